/**
 * The one configuration schema. Every option has a default (so Parley starts with nothing set),
 * an environment variable (`PARLEY_` + the option in SCREAMING_SNAKE_CASE) and a description that
 * `.env.example` mirrors (a test keeps them in step).
 */
import Type, { type Static } from 'typebox'
import { RegistrationMode } from '@parley/protocol'

const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
)

export const ConfigSchema = Type.Object(
  {
    publicOrigin: Type.String({
      default: 'http://localhost:8080',
      pattern: '^https?://[^/?#]+$',
      description:
        'The origin people and other instances reach this instance at, e.g. https://talk.example.org (no path). Cookies are Secure when it is https.',
    }),
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Address the HTTP server listens on.' }),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'Port the HTTP server listens on (0: any free port).' }),
    dataDir: Type.String({ default: './data', minLength: 1, description: 'Folder for the SQLite file and local blobs.' }),
    store: Type.Union([Type.Literal('sqlite'), Type.Literal('mongodb')], {
      default: 'sqlite',
      description: 'sqlite: one file in dataDir (embedded default). mongodb: the server at mongodbUrl.',
    }),
    mongodbUrl: Type.String({ default: '', description: 'MongoDB connection string; required when store is mongodb.' }),
    logLevel: Type.Union(LogLevel.anyOf, { default: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' }),
    trustedProxies: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'Addresses or CIDR ranges of reverse proxies whose X-Forwarded-* headers are believed (comma-separated in the environment). Empty: none are.',
    }),
    bodyLimit: Type.Integer({ default: 1048576, minimum: 1024, description: 'Largest accepted request body in bytes; larger ones get 413 before parsing.' }),
    registration: Type.Union(RegistrationMode.anyOf, {
      default: 'invite',
      description: 'open: anyone may register. invite: an invite code from an admin is needed. closed: only admins create accounts.',
    }),
    sessionTtlHours: Type.Integer({ default: 720, minimum: 1, description: 'How long a browser session lives after login, in hours.' }),
    loginAttemptsPerAccount: Type.Integer({ default: 10, minimum: 1, description: 'Failed logins allowed per account per loginWindowMinutes.' }),
    loginAttemptsPerAddress: Type.Integer({ default: 50, minimum: 1, description: 'Failed logins allowed per client address per loginWindowMinutes.' }),
    loginWindowMinutes: Type.Integer({ default: 15, minimum: 1, description: 'Window for the login attempt limits, in minutes.' }),
    federationQueue: Type.Union([Type.Literal('sqlite'), Type.Literal('redis')], {
      default: 'sqlite',
      description:
        "Where Fedify keeps its queue (deliveries, inbound processing) and cache. sqlite: federation.sqlite in dataDir (embedded). redis: the server at redisUrl, shared by every node.",
    }),
    redisUrl: Type.String({ default: '', description: 'Redis connection string, e.g. redis://127.0.0.1:6379; required when federationQueue is redis.' }),
    federationSignatureWindowSeconds: Type.Integer({
      default: 300,
      minimum: 30,
      maximum: 43200,
      description:
        'Inbound HTTP signatures whose Date (or created time) is further than this from now, in either direction, are refused (401). Replayed signed requests are refused within twice this window.',
    }),
    federationBlockedDomains: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'Domains refused both ways (comma-separated in the environment): their requests get 403 and local users cannot look up, follow or be followed by their accounts. example.com covers its subdomains; host:port names exactly one origin.',
    }),
    federationAllowedDomains: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'When not empty, the only domains this instance federates with (allow-list mode, comma-separated in the environment); every other domain is refused as if blocked. Same entry syntax as federationBlockedDomains.',
    }),
    federationAllowPrivateAddress: Type.Boolean({
      default: false,
      description:
        'Test networks only: let federation fetch and deliver to loopback and private addresses. Never enable in production (it opens the server to SSRF).',
    }),
    shutdownTimeoutSeconds: Type.Integer({ default: 15, minimum: 1, description: 'On SIGTERM, how long in-flight requests may take before Parley exits anyway.' }),
  },
  { additionalProperties: false },
)

export type Config = Readonly<Static<typeof ConfigSchema>>
export type ConfigKey = keyof Config
