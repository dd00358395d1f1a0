/**
 * Browser notifications for new messages and mentions, with the person's permission, while the page
 * is hidden. The room's notification level (all, mentions, none) decides what is shown. Meeting
 * reminders and starts are shown whenever permitted (they matter while the page is open too).
 */
import type { MessageView, RoomView, ServerMeetingReminder, ServerMeetingStarted } from '@parley/client/browser'
import i18next from 'i18next'
import { Observable } from './observable.ts'
import { mentions } from './mentions.ts'

export type NotificationPermissionState = NotificationPermission | 'unsupported'

export class Notifier {
  readonly permission = new Observable<NotificationPermissionState>(
    typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
  )

  constructor() {
    // The person may allow or block notifications in the browser's site settings at any time.
    if (typeof Notification === 'undefined' || !('permissions' in navigator)) return
    navigator.permissions
      .query({ name: 'notifications' })
      .then((status) => {
        const sync = () => this.permission.set(Notification.permission)
        status.addEventListener('change', sync)
        sync()
      })
      .catch((error: unknown) => console.warn('notification permission cannot be watched', error))
  }

  async ask(): Promise<void> {
    if (typeof Notification === 'undefined') return
    this.permission.set(await Notification.requestPermission())
  }

  onMessage(message: MessageView, room: RoomView, username: string): void {
    if (this.permission.get() !== 'granted' || document.visibilityState === 'visible') return
    if (message.kind === 'system' || message.deletedAt) return
    const level = room.me?.notificationLevel ?? 'all'
    const mentioned = mentions(message.body, username)
    if (level === 'none' || (level === 'mentions' && !mentioned && room.kind !== 'one-to-one')) return
    const title = room.kind === 'one-to-one' ? message.actor.name : `${message.actor.name} · ${room.name}`
    const notification = new Notification(title, { body: message.body.slice(0, 200), tag: `${room.id}:${message.seq}` })
    notification.onclick = () => {
      window.focus()
      history.pushState(null, '', `/r/${encodeURIComponent(room.id)}`)
      dispatchEvent(new PopStateEvent('popstate'))
    }
  }

  onMeeting(frame: ServerMeetingReminder | ServerMeetingStarted): void {
    if (this.permission.get() !== 'granted') return
    const { occurrence } = frame
    const title =
      frame.type === 'meeting.reminder'
        ? i18next.t('meetings.reminder', { title: occurrence.title, minutes: frame.minutesBefore })
        : i18next.t('meetings.started', { title: occurrence.title })
    const notification = new Notification(title, {
      tag: `${frame.type}:${occurrence.meetingId}:${occurrence.occurrence}`,
    })
    notification.onclick = () => {
      window.focus()
      history.pushState(null, '', `/r/${encodeURIComponent(occurrence.roomId)}`)
      dispatchEvent(new PopStateEvent('popstate'))
    }
  }
}
