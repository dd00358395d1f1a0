/**
 * End-to-end encrypted calls on the server: it relays each participant's media keys (`call.key`)
 * and their acknowledgements (`call.key-ack`) to the participants they are addressed to, and can
 * read neither — each key is encrypted for its recipient with a key the two participants agreed
 * through their public keys (spec/realtime.md, "End-to-end encrypted calls"). Only within one
 * call, only in end-to-end encrypted calls; entries for someone no longer in the call are dropped
 * (they left while the key was on its way: it has nobody to reach).
 */
import type { ClientCallKey, ClientCallKeyAck } from '@parley/protocol'
import type { Call } from './call.ts'
import type { CallParticipant } from './call-participant.ts'
import type { CallRefusal } from './call-errors.ts'

export function relayKeys(
  call: Call,
  from: CallParticipant,
  message: ClientCallKey | ClientCallKeyAck,
): CallRefusal | undefined {
  if (!call.e2ee) return { code: 'call-not-e2ee' }
  const recipients = (message.type === 'call.key' ? message.keys : message.acks).map((entry) => entry.to)
  if (recipients.includes(from.id))
    return { code: 'invalid-message', message: 'A participant does not send keys to itself', details: { to: from.id } }
  if (message.type === 'call.key') {
    for (const { to, key } of message.keys)
      call.participants.get(to)?.sink.send({ type: 'call.key', roomId: call.roomId, from: from.id, key })
  } else {
    for (const { to, kid } of message.acks)
      call.participants.get(to)?.sink.send({ type: 'call.key-ack', roomId: call.roomId, from: from.id, kid })
  }
  return undefined
}
