import * as Switch from '@radix-ui/react-switch'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { NotificationLevel, RoomListable, RoomUpdate, RoomView } from '@parley/client/browser'
import { navigate, paths } from '../../router.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import {
  settingsOf,
  settingsUpdate,
  shownSettings,
  withEdit,
  type SettingsEdits,
  type SettingsFields,
} from './settings-edits.ts'

const EXPIRY = [
  ['expiryNever', null],
  ['expiryHour', 3600],
  ['expiryDay', 86400],
  ['expiryWeek', 604800],
] as const

/** Name, description, password, lobby, listing, read-only and expiry (moderators); my notifications; leave. */
export function RoomSettingsPanel({ room, onLeft }: { room: RoomView; onLeft: () => void }) {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [saved, setSaved] = useState(false)
  const moderator = room.me?.role === 'owner' || room.me?.role === 'moderator'
  // Only what this person changes is theirs: the other fields follow the room live (settings-edits.ts).
  const [edits, setEdits] = useState<SettingsEdits>({})
  const [password, setPassword] = useState('')
  const live = settingsOf(room)
  const form = shownSettings(edits, live)
  const change = <K extends keyof SettingsFields>(field: K, value: SettingsFields[K]) =>
    setEdits((current) => withEdit(current, live, field, value))
  const rest = session.parley.rest
  const save = async (event: FormEvent) => {
    event.preventDefault()
    setSaved(false)
    const update: RoomUpdate = { ...settingsUpdate(edits), ...(password ? { password } : {}) }
    if (Object.keys(update).length === 0) return
    const updated = await run(() => rest.updateRoom(room.id, update))
    if (updated) {
      session.rooms.replace(updated)
      setEdits({})
      setPassword('')
      setSaved(true)
    }
  }
  const link = `${location.origin}${paths.join(room.id)}`
  return (
    <div className="stack">
      {moderator && room.kind !== 'one-to-one' && (
        <form className="form" onSubmit={save}>
          <label>
            {t('create.name')}
            <input required maxLength={200} value={form.name} onChange={(e) => change('name', e.target.value)} />
          </label>
          <label>
            {t('create.description')}
            <textarea
              rows={2}
              maxLength={2000}
              value={form.description}
              onChange={(e) => change('description', e.target.value)}
            />
          </label>
          {room.kind === 'public' && (
            <>
              <label>
                {t('create.password')}
                <input
                  type="password"
                  autoComplete="new-password"
                  minLength={4}
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </label>
              {room.hasPassword && (
                <p className="hint">
                  {t('room.passwordSet')}{' '}
                  <button
                    type="button"
                    onClick={() =>
                      void run(() => rest.updateRoom(room.id, { password: null })).then(
                        (r) => r && session.rooms.replace(r),
                      )
                    }
                  >
                    {t('room.removePassword')}
                  </button>
                </p>
              )}
              <Toggle
                id="lobby"
                label={t('create.lobby')}
                checked={form.lobby}
                onChange={(lobby) => change('lobby', lobby)}
              />
            </>
          )}
          <Toggle
            id="read-only"
            label={t('room.readOnly')}
            checked={form.readOnly}
            onChange={(readOnly) => change('readOnly', readOnly)}
          />
          <label>
            {t('room.listable')}
            <select value={form.listable} onChange={(e) => change('listable', e.target.value as RoomListable)}>
              <option value="none">{t('room.listableNone')}</option>
              <option value="users">{t('room.listableUsers')}</option>
              <option value="everyone">{t('room.listableEveryone')}</option>
            </select>
          </label>
          <label>
            {t('room.expiry')}
            <select
              value={String(form.messageExpirySeconds)}
              onChange={(e) =>
                change('messageExpirySeconds', e.target.value === 'null' ? null : Number(e.target.value))
              }
            >
              {EXPIRY.map(([key, seconds]) => (
                <option key={key} value={String(seconds)}>
                  {t(`room.${key}`)}
                </option>
              ))}
            </select>
          </label>
          <div className="row end">
            {saved && <span role="status">{t('room.saved')}</span>}
            <button type="submit" className="primary" disabled={busy}>
              {t('room.save')}
            </button>
          </div>
        </form>
      )}
      {room.kind === 'public' && (
        <div className="form">
          <label>
            {t('room.link')}
            <input readOnly value={link} onFocus={(e) => e.target.select()} />
          </label>
        </div>
      )}
      <label className="form">
        {t('room.notifications')}
        <select
          value={room.me?.notificationLevel ?? 'all'}
          onChange={(e) =>
            void run(() => rest.roomSettings(room.id, { notificationLevel: e.target.value as NotificationLevel })).then(
              (r) => r && session.rooms.replace(r),
            )
          }
        >
          <option value="all">{t('room.notifyAll')}</option>
          <option value="mentions">{t('room.notifyMentions')}</option>
          <option value="none">{t('room.notifyNone')}</option>
        </select>
      </label>
      <ProblemNote problem={problem} />
      <div className="row">
        <button
          type="button"
          onClick={() =>
            void run(async () => {
              await rest.leave(room.id)
              return true
            }).then((left) => {
              if (!left) return
              session.rooms.remove(room.id)
              onLeft()
              navigate(paths.home())
            })
          }
        >
          {t('room.leave')}
        </button>
        {room.me?.role === 'owner' && (
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (!confirm(t('room.delete'))) return
              void run(async () => {
                await rest.deleteRoom(room.id)
                return true
              }).then((deleted) => {
                if (!deleted) return
                session.rooms.remove(room.id)
                onLeft()
                navigate(paths.home())
              })
            }}
          >
            {t('room.delete')}
          </button>
        )}
      </div>
    </div>
  )
}

function Toggle({
  id,
  label,
  checked,
  onChange,
}: {
  id: string
  label: string
  checked: boolean
  onChange: (v: boolean) => void
}) {
  return (
    <div className="switch-row">
      <Switch.Root id={`room-${id}`} className="switch" checked={checked} onCheckedChange={onChange}>
        <Switch.Thumb className="switch-thumb" />
      </Switch.Root>
      <label htmlFor={`room-${id}`}>{label}</label>
    </div>
  )
}
