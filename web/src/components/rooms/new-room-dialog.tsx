import * as Switch from '@radix-ui/react-switch'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { navigate, paths } from '../../router.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { Modal } from '../common/modal.tsx'
import { ProblemNote } from '../common/problem-note.tsx'

export function NewRoomDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [kind, setKind] = useState<'group' | 'public'>('group')
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [password, setPassword] = useState('')
  const [lobby, setLobby] = useState(false)
  const [e2ee, setE2ee] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const room = await run(() =>
      session.parley.rest.createRoom({
        kind,
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(kind === 'public' && password ? { password } : {}),
        ...(kind === 'public' ? { lobby } : {}),
        ...(e2ee ? { e2ee: true } : {}),
      }),
    )
    if (!room) return
    await session.rooms.add(room.id)
    onOpenChange(false)
    setName('')
    setDescription('')
    setPassword('')
    setE2ee(false)
    navigate(paths.room(room.id))
  }
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={t('create.title')}>
      <form className="form" onSubmit={submit}>
        <fieldset>
          <legend>{t('create.kind')}</legend>
          <label className="radio">
            <input type="radio" name="kind" checked={kind === 'group'} onChange={() => setKind('group')} />
            {t('create.group')}
          </label>
          <label className="radio">
            <input type="radio" name="kind" checked={kind === 'public'} onChange={() => setKind('public')} />
            {t('create.public')}
          </label>
        </fieldset>
        <label>
          {t('create.name')}
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('create.description')}
          <textarea maxLength={2000} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        {kind === 'public' && (
          <>
            <label>
              {t('create.password')}
              <input
                type="password"
                autoComplete="new-password"
                minLength={4}
                maxLength={200}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            <div className="switch-row">
              <Switch.Root id="new-room-lobby" className="switch" checked={lobby} onCheckedChange={setLobby}>
                <Switch.Thumb className="switch-thumb" />
              </Switch.Root>
              <label htmlFor="new-room-lobby">{t('create.lobby')}</label>
            </div>
          </>
        )}
        <label className="radio">
          <input type="checkbox" checked={e2ee} onChange={(e) => setE2ee(e.target.checked)} />
          {t('create.e2ee')}
        </label>
        <ProblemNote problem={problem} />
        <div className="row end">
          <button type="button" onClick={() => onOpenChange(false)}>
            {t('create.cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t('create.create')}
          </button>
        </div>
      </form>
    </Modal>
  )
}
