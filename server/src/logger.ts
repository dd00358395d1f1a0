/**
 * The one root pino logger. Components take children carrying `{ component }`; redaction covers
 * every place a secret can appear in a logged object (headers, cookies, bodies, tokens, passwords).
 */
import pino, { type DestinationStream, type Logger } from 'pino'

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.csrfToken',
  '*.cookieSecret',
  '*.inviteCode',
  '*.credential',
  '*.mongodbUrl',
  '*.turnSecret',
  '*.janusApiSecret',
  '*.janusAdminKey',
  '*.apisecret',
  '*.admin_key',
  '*.redisUrl',
  '*.filesS3SecretAccessKey',
  'password',
  'secret',
  'token',
  'csrfToken',
  'cookieSecret',
  'mongodbUrl',
  'turnSecret',
  'janusApiSecret',
  'janusAdminKey',
  'redisUrl',
  'filesS3SecretAccessKey',
]

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination)
}

export type { Logger }
