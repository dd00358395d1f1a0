import * as Tabs from '@radix-ui/react-tabs'
import { useTranslation } from 'react-i18next'
import type { RoomView } from '@parley/client/browser'
import { useSession } from '../common/hooks.ts'
import { Modal } from '../common/modal.tsx'
import { ParticipantsPanel } from './participants-panel.tsx'
import { RoomSettingsPanel } from './room-settings-panel.tsx'
import { InvitePanel } from './invite-panel.tsx'
import { RecordingsPanel } from './recordings-panel.tsx'
import { MeetingsPanel } from './meetings-panel.tsx'
import { FilesPanel } from './files-panel.tsx'

/** Room details: participants (with moderator actions), settings, invitations, files, recordings, meetings. */
export function RoomDetails({
  room,
  open,
  onOpenChange,
}: {
  room: RoomView
  open: boolean
  onOpenChange: (open: boolean) => void
}) {
  const { t } = useTranslation()
  const guest = useSession().identity.get().kind === 'guest'
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={room.remote?.name ?? room.name} wide>
      <Tabs.Root defaultValue="participants">
        <Tabs.List className="tabs" aria-label={t('room.info')}>
          <Tabs.Trigger value="participants">{t('room.participants')}</Tabs.Trigger>
          {!guest && <Tabs.Trigger value="settings">{t('room.settings')}</Tabs.Trigger>}
          {!guest && room.kind !== 'one-to-one' && <Tabs.Trigger value="invite">{t('room.invite')}</Tabs.Trigger>}
          <Tabs.Trigger value="files">{t('files.tab')}</Tabs.Trigger>
          <Tabs.Trigger value="recordings">{t('room.recordings')}</Tabs.Trigger>
          {!guest && room.kind !== 'one-to-one' && <Tabs.Trigger value="meetings">{t('meetings.tab')}</Tabs.Trigger>}
        </Tabs.List>
        <Tabs.Content value="participants">
          <ParticipantsPanel room={room} onNavigate={() => onOpenChange(false)} />
        </Tabs.Content>
        {!guest && (
          <Tabs.Content value="settings">
            <RoomSettingsPanel room={room} onLeft={() => onOpenChange(false)} />
          </Tabs.Content>
        )}
        {!guest && room.kind !== 'one-to-one' && (
          <Tabs.Content value="invite">
            <InvitePanel room={room} />
          </Tabs.Content>
        )}
        <Tabs.Content value="files">
          <FilesPanel room={room} />
        </Tabs.Content>
        <Tabs.Content value="recordings">
          <RecordingsPanel room={room} />
        </Tabs.Content>
        {!guest && room.kind !== 'one-to-one' && (
          <Tabs.Content value="meetings">
            <MeetingsPanel room={room} />
          </Tabs.Content>
        )}
      </Tabs.Root>
    </Modal>
  )
}
