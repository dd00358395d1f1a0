import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { navigate, paths } from '../../router.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

/** A public room's link opened while signed in: join as yourself (with the password if it has one). */
export function JoinByLink({ roomId }: { roomId: string }) {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [password, setPassword] = useState('')
  const [needsPassword, setNeedsPassword] = useState(false)
  const join = async (pw?: string) => {
    const room = await run(() => session.parley.rest.join(roomId, pw))
    if (room) {
      await session.rooms.add(room.id)
      navigate(paths.room(room.id), { replace: true })
    }
  }
  useEffect(() => {
    if (session.rooms.get(roomId)) navigate(paths.room(roomId), { replace: true })
    else void join()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [roomId])
  useEffect(() => {
    if (problem?.code === 'room-password-required' || problem?.code === 'room-password-wrong') setNeedsPassword(true)
  }, [problem])
  return (
    <section className="page">
      <h1>{t('guest.titleUnknown')}</h1>
      <ProblemNote problem={problem} />
      {needsPassword && (
        <form
          className="form"
          onSubmit={(e: FormEvent) => {
            e.preventDefault()
            void join(password)
          }}
        >
          <label>
            {t('guest.password')}
            <input type="password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {t('guest.join')}
          </button>
        </form>
      )}
    </section>
  )
}
