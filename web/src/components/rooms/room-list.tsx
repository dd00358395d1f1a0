import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { MessageSquarePlus, MessagesSquare, Plus, Star } from 'lucide-react'
import { systemText } from '../chat/system-text.ts'
import type { RoomEntry } from '../../data/room-list.ts'
import { useObservable } from '../../data/observable.ts'
import { paths } from '../../router.ts'
import { useSession } from '../common/hooks.ts'
import { Avatar } from '../common/avatar.tsx'
import { Link } from '../common/link.tsx'
import { NewRoomDialog } from './new-room-dialog.tsx'
import { NewChatDialog } from './new-chat-dialog.tsx'

/** The live room list: name, last message, unread count and mentions; the current room marked. */
export function RoomList({ currentRoomId }: { currentRoomId: string | null }) {
  const { t } = useTranslation()
  const session = useSession()
  const entries = useObservable(session.rooms.entries)
  const loaded = useObservable(session.rooms.loaded)
  const [creating, setCreating] = useState<'room' | 'chat' | null>(null)
  return (
    <div className="room-list">
      <div className="room-list-header">
        <h2>{t('rooms.title')}</h2>
        <div className="row">
          <button type="button" className="with-icon" onClick={() => setCreating('chat')}>
            <MessageSquarePlus size={16} /> {t('rooms.newChat')}
          </button>
          <button type="button" className="primary with-icon" onClick={() => setCreating('room')}>
            <Plus size={16} /> {t('rooms.new')}
          </button>
        </div>
      </div>
      {loaded && entries.length === 0 && (
        <div className="empty-state">
          <span className="empty-icon" aria-hidden="true">
            <MessagesSquare size={32} strokeWidth={1.5} />
          </span>
          <p>{t('rooms.empty')}</p>
        </div>
      )}
      <ul className="rooms" aria-busy={!loaded}>
        {entries.map((entry) => (
          <RoomItem key={entry.room.id} entry={entry} current={entry.room.id === currentRoomId} />
        ))}
      </ul>
      <NewRoomDialog open={creating === 'room'} onOpenChange={(o) => setCreating(o ? 'room' : null)} />
      <NewChatDialog open={creating === 'chat'} onOpenChange={(o) => setCreating(o ? 'chat' : null)} />
    </div>
  )
}

function RoomItem({ entry, current }: { entry: RoomEntry; current: boolean }) {
  const { t } = useTranslation()
  const session = useSession()
  const peers = useObservable(session.avatars.peers)
  const urls = useObservable(session.avatars.urls)
  const { room, lastMessage, unread, mentions } = entry
  const peer = room.kind === 'one-to-one' ? peers.get(room.id) : undefined
  const picture = room.remote?.avatarUrl ?? (peer ? urls.get(peer) : null) ?? null
  const author = lastMessage && (lastMessage.actor.id === session.actorId ? t('rooms.you') : lastMessage.actor.name)
  const preview =
    room.me?.state === 'lobby'
      ? t('room.states.lobby')
      : !lastMessage
        ? t('rooms.noMessages')
        : lastMessage.deletedAt
          ? t('rooms.deleted')
          : lastMessage.kind === 'system'
            ? systemText(t, lastMessage)
            : `${author}: ${lastMessage.kind === 'poll' ? t('chat.poll') : lastMessage.body || (lastMessage.file?.name ?? '')}`
  const title = room.remote?.name ?? room.name
  const counts = [
    unread > 0 ? t('rooms.unread', { count: unread }) : null,
    mentions > 0 ? t('rooms.mentions', { count: mentions }) : null,
  ]
    .filter(Boolean)
    .join(', ')
  return (
    <li>
      <Link
        to={paths.room(room.id)}
        className={current ? 'room-item current' : 'room-item'}
        aria-current={current ? 'page' : undefined}
        data-room-id={room.id}
      >
        <Avatar name={title} size={36} src={picture} />
        <span className="room-item-text">
          <span className="room-item-name">
            {title}
            {counts && <span className="visually-hidden">, {counts}</span>}
            {room.me?.favourite && <Star size={13} className="favourite-star" />}
          </span>
          {/* A room hosted on another instance is used like any other; the list only says where it lives. */}
          {room.host && <span className="room-item-host">{t('rooms.hostedOn', { host: room.host.instance })}</span>}
          <span className="room-item-preview">{preview}</span>
        </span>
        <span className="room-item-badges" aria-hidden="true">
          {mentions > 0 && <span className="badge mention">@{mentions}</span>}
          {unread > 0 && <span className="badge">{unread}</span>}
        </span>
      </Link>
    </li>
  )
}
