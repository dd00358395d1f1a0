import type { TFunction } from 'i18next'

/** What a system message says (its body is the event's name, e.g. "joined"). */
export function systemText(t: TFunction, event: string, name: string): string {
  if (event === 'joined') return t('chat.systemJoined', { name })
  if (event === 'left') return t('chat.systemLeft', { name })
  return t('chat.system', { name, event })
}
