import { useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useObservable } from '../../data/observable.ts'
import { Avatar } from '../common/avatar.tsx'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

/**
 * The server's limit (AVATAR_MAX_BYTES in protocol/src/people.ts, which the server enforces): the
 * protocol package's values are not bundled into the web client (its schemas would come along).
 */
const AVATAR_MAX_BYTES = 2 * 1024 * 1024
const ACCEPTED = 'image/png,image/jpeg,image/webp,image/gif'

/** My avatar: upload a picture (the server makes it a square), or remove it. */
export function AvatarCard() {
  const { t } = useTranslation()
  const session = useSession()
  const identity = useObservable(session.identity)
  const { busy, problem, run } = useAction()
  const [tooLarge, setTooLarge] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  if (identity.kind !== 'user') return null
  const { profile } = identity
  const upload = async (file: File | undefined) => {
    if (!file) return
    // Checked here too so a huge photo is not sent only to be refused (the server refuses it as well).
    setTooLarge(file.size > AVATAR_MAX_BYTES)
    if (file.size > AVATAR_MAX_BYTES) return
    const updated = await run(() => session.parley.account.setAvatar(file))
    if (updated) session.setProfile(updated)
    if (input.current) input.current.value = ''
  }
  return (
    <div className="form card" role="group" aria-labelledby="avatar-title">
      <h2 id="avatar-title">{t('settings.avatar')}</h2>
      <div className="avatar-row">
        <Avatar name={profile.displayName} size={64} src={profile.avatarUrl} />
        <input
          ref={input}
          type="file"
          accept={ACCEPTED}
          hidden
          tabIndex={-1}
          aria-hidden="true"
          data-testid="avatar-file"
          onChange={(e) => void upload(e.target.files?.[0])}
        />
        <button type="button" disabled={busy} onClick={() => input.current?.click()}>
          {t('settings.avatarUpload')}
        </button>
        {profile.avatarUrl && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void run(() => session.parley.account.removeAvatar()).then((p) => p && session.setProfile(p))
            }
          >
            {t('settings.avatarRemove')}
          </button>
        )}
      </div>
      <p className="hint">{t('settings.avatarHint')}</p>
      <ProblemNote
        problem={
          tooLarge
            ? {
                code: 'avatar-too-large',
                text: t('errors.avatar-too-large.text'),
                next: t('errors.avatar-too-large.next'),
              }
            : problem
        }
      />
    </div>
  )
}
