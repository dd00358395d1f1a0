import type { TFunction } from 'i18next'
// The SDK's main entry, not /browser: this module's unit test is typechecked without the DOM.
import type { MessageView, SystemEvent } from '@parley/client'

type Said = { name: string; person: string; to: string | null }

/**
 * One sentence per system event the server posts (protocol's SystemEvent, so the compiler asks for
 * a sentence when an event is added there).
 */
const SENTENCES: Record<SystemEvent, (t: TFunction, said: Said) => string> = {
  joined: (t, { name }) => t('chat.systemEvents.joined', { name }),
  left: (t, { name }) => t('chat.systemEvents.left', { name }),
  added: (t, { name, person }) => t('chat.systemEvents.added', { name, person }),
  removed: (t, { name, person }) => t('chat.systemEvents.removed', { name, person }),
  banned: (t, { name, person }) => t('chat.systemEvents.banned', { name, person }),
  unbanned: (t, { name, person }) => t('chat.systemEvents.unbanned', { name, person }),
  'owner-changed': (t, { name, person }) => t('chat.systemEvents.ownerChanged', { name, person }),
  renamed: (t, { name, to }) =>
    to === null ? t('chat.systemEvents.renamedSomehow', { name }) : t('chat.systemEvents.renamed', { name, to }),
}

/**
 * What a system message says: a sentence naming who did what, and to whom. Its body is the event's
 * name and its `data` what the server recorded with it (protocol's SystemEvent says which data
 * each event carries). The sentence always names the actor (never "You"), so the room list's
 * preview reads the same as the timeline. An event this client does not know yet (from a newer
 * server, or a room hosted on another instance) still says who did it and what it is called.
 */
export function systemText(t: TFunction, message: Pick<MessageView, 'body' | 'data' | 'actor'>): string {
  const data = message.data ?? {}
  const text = (key: string): string | null => {
    const value = data[key]
    return typeof value === 'string' && value !== '' ? value : null
  }
  const said: Said = {
    name: message.actor.name,
    // Missing when a peer leaves it out: the sentence still reads.
    person: text('name') ?? t('chat.systemEvents.someone'),
    to: text('to'),
  }
  const sentence = Object.hasOwn(SENTENCES, message.body) ? SENTENCES[message.body as SystemEvent] : null
  return sentence ? sentence(t, said) : t('chat.systemEvents.other', { name: said.name, event: message.body })
}
