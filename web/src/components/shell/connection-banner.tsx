import { useTranslation } from 'react-i18next'
import { useObservable } from '../../data/observable.ts'
import { useSession } from '../common/hooks.ts'

/** The realtime connection's state, always visible; announced when it changes. */
export function ConnectionBanner() {
  const { t } = useTranslation()
  const state = useObservable(useSession().connection)
  return (
    <p className={`connection connection-${state}`} role="status" aria-live="polite" data-state={state}>
      <span className="dot" aria-hidden="true" />
      <span className="connection-text">{t(`connection.${state}`)}</span>
    </p>
  )
}
