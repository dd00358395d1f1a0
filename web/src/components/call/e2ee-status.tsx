/**
 * End-to-end encryption, said plainly: before joining, whether this browser can encrypt (and the
 * refusal in words when it cannot); in the call, with whom the media is end-to-end encrypted and
 * the verification code to compare out of band. Everything shown comes from the SDK's state.
 */
import { useTranslation } from 'react-i18next'
import { ShieldAlert, ShieldCheck } from 'lucide-react'
import type { E2eeOff, E2eeState, E2eeSupport } from '@parley/client/browser'

/** Pre-join: this room's calls are end-to-end encrypted; can this browser take part? */
export function E2eePreJoinNote({ support }: { support: E2eeSupport }) {
  const { t } = useTranslation()
  if (support.ok)
    return (
      <p className="e2ee-note" data-e2ee="supported">
        <ShieldCheck size={18} />
        <span>{t('e2ee.prejoin')}</span>
      </p>
    )
  return (
    <div className="problem e2ee-refusal" role="alert" data-code="e2ee-unsupported">
      <ShieldAlert size={18} />
      <div>
        <strong>{t('e2ee.unsupported')}</strong> {t('e2ee.unsupportedNext')}
        <p className="e2ee-reason">{t('e2ee.reason', { reason: support.reason })}</p>
      </div>
    </div>
  )
}

/** In the call: end-to-end encrypted with whom, and the code everyone should see alike. */
export function E2eeBar({ state }: { state: E2eeState | E2eeOff | null }) {
  const { t } = useTranslation()
  if (!state?.enabled) return null
  const secured = state.participants.filter((p) => p.keyReceived && p.decrypting).map((p) => p.actor.name)
  const waiting = state.participants.filter((p) => !(p.keyReceived && p.decrypting)).map((p) => p.actor.name)
  return (
    <section className="e2ee-bar" aria-label={t('e2ee.title')} data-e2ee="on">
      <ShieldCheck size={18} className="e2ee-shield" />
      <p className="e2ee-with">
        <strong>{t('e2ee.title')}</strong>{' '}
        {state.participants.length === 0
          ? t('e2ee.alone')
          : secured.length > 0
            ? t('e2ee.with', { names: secured.join(', ') })
            : null}
        {waiting.length > 0 && (
          <span className="e2ee-waiting"> {t('e2ee.waiting', { names: waiting.join(', ') })}</span>
        )}
      </p>
      <p className="e2ee-code">
        <span id="e2ee-code-label">{t('e2ee.code')}</span>{' '}
        <code aria-labelledby="e2ee-code-label" data-code={state.verificationCode}>
          {state.verificationCode}
        </code>
        <span className="e2ee-hint">{t('e2ee.compare')}</span>
      </p>
    </section>
  )
}
