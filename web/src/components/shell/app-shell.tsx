/**
 * The signed-in layout: a header (connection state, agenda, search, invitations, account menu), the room
 * list beside the screen of the current path. At phone width only one of the two shows.
 */
import * as Menu from '@radix-ui/react-dropdown-menu'
import { useLayoutEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { CalendarDays, Inbox, LogOut, MessagesSquare, Search, Settings } from 'lucide-react'
import { navigate, paths, useRoute } from '../../router.ts'
import { useObservable } from '../../data/observable.ts'
import { useSession } from '../common/hooks.ts'
import { PersonAvatar } from '../common/person-avatar.tsx'
import { ConnectionBanner } from './connection-banner.tsx'
import { RoomList } from '../rooms/room-list.tsx'
import { RoomScreen } from '../rooms/room-screen.tsx'
import { SettingsView } from '../settings/settings-view.tsx'
import { InvitationsView } from '../rooms/invitations-view.tsx'
import { SearchView } from '../chat/search-view.tsx'
import { JoinByLink } from '../rooms/join-by-link.tsx'
import { AgendaView } from '../meetings/agenda-view.tsx'
import { Link } from '../common/link.tsx'

export function AppShell({ onSignedOut }: { onSignedOut: () => void }) {
  const { t } = useTranslation()
  const session = useSession()
  const route = useRoute()
  const identity = useObservable(session.identity)
  const name = identity.kind === 'user' ? identity.profile.displayName : identity.displayName
  const roomId = route.name === 'room' || route.name === 'call' ? route.roomId : null

  // Before paint: a message arriving just after leaving a room must count as unread.
  useLayoutEffect(() => {
    session.rooms.setOpen(roomId)
  }, [session, roomId])

  const main = (() => {
    switch (route.name) {
      case 'room':
      case 'call':
        return <RoomScreen key={route.roomId} roomId={route.roomId} inCall={route.name === 'call'} />
      case 'join':
        return <JoinByLink roomId={route.roomId} />
      case 'settings':
        return <SettingsView />
      case 'invitations':
        return <InvitationsView />
      case 'search':
        return <SearchView />
      case 'agenda':
        return <AgendaView />
      default:
        return (
          <div className="empty-state empty-main">
            <span className="empty-icon" aria-hidden="true">
              <MessagesSquare size={40} strokeWidth={1.5} />
            </span>
            <p>{t('rooms.pick')}</p>
            <p className="hint">{t('rooms.pickHint')}</p>
          </div>
        )
    }
  })()

  return (
    <div className={route.name === 'home' ? 'shell at-home' : 'shell'}>
      <a href="#main" className="skip-link">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <Link to={paths.home()} className="brand-link">
          <span className="brand-mark" aria-hidden="true">
            <MessagesSquare size={18} strokeWidth={2.25} />
          </span>
          {t('app.name')}
        </Link>
        <ConnectionBanner />
        <nav className="topnav" aria-label={t('app.name')}>
          {session.isUser && (
            <Link
              to={paths.agenda()}
              className="icon-button"
              aria-label={t('nav.agenda')}
              aria-current={route.name === 'agenda' ? 'page' : undefined}
              data-tip={t('nav.agenda')}
            >
              <CalendarDays size={20} />
            </Link>
          )}
          <Link to={paths.search()} className="icon-button" aria-label={t('nav.search')} data-tip={t('nav.search')}>
            <Search size={20} />
          </Link>
          <Link
            to={paths.invitations()}
            className="icon-button"
            aria-label={t('nav.invitations')}
            data-tip={t('nav.invitations')}
          >
            <Inbox size={20} />
          </Link>
          <Menu.Root>
            <Menu.Trigger className="account-button" aria-label={t('nav.menu')}>
              <PersonAvatar actorId={session.actorId} name={name} size={28} />
            </Menu.Trigger>
            <Menu.Portal>
              <Menu.Content className="menu" align="end" sideOffset={6}>
                <Menu.Label className="menu-label">{name}</Menu.Label>
                <Menu.Item className="menu-item" onSelect={() => navigate(paths.settings())}>
                  <Settings size={16} /> {t('nav.settings')}
                </Menu.Item>
                <Menu.Separator className="menu-separator" />
                <Menu.Item className="menu-item" onSelect={onSignedOut}>
                  <LogOut size={16} /> {t('auth.signOut')}
                </Menu.Item>
              </Menu.Content>
            </Menu.Portal>
          </Menu.Root>
        </nav>
      </header>
      <aside className="sidebar" aria-label={t('rooms.title')}>
        <RoomList currentRoomId={roomId} />
      </aside>
      <main className="main" id="main" tabIndex={-1}>
        {main}
      </main>
    </div>
  )
}
