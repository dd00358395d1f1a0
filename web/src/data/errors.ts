/**
 * Errors in words: every failure the SDK reports carries a stable code (ParleyApiError or
 * ParleyRealtimeError); the screens show the translated sentence for that code and what to do next.
 */
import { ParleyApiError, ParleyRealtimeError } from '@parley/client/browser'
import type { TFunction } from 'i18next'

export type Problem = { code: string; text: string; next: string }

export function problemOf(error: unknown, t: TFunction): Problem {
  const code =
    error instanceof ParleyApiError || error instanceof ParleyRealtimeError
      ? error.code
      : error instanceof DOMException && error.name === 'NotAllowedError'
        ? 'device-denied'
        : error instanceof DOMException && error.name === 'NotFoundError'
          ? 'device-missing'
          : 'unknown'
  const text = t(`errors.${code}.text`, { defaultValue: '' })
  const next = t(`errors.${code}.next`, { defaultValue: '' })
  if (text) return { code, text, next }
  // A code this version has no words for: the server's own message, and the generic advice.
  return {
    code,
    text: error instanceof Error && error.message ? error.message : t('errors.unknown.text'),
    next: t('errors.unknown.next'),
  }
}
