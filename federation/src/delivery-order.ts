/** In which order a fan-out's recipients are handed to Fedify (which enqueues their deliveries in it). */
import type { Recipient } from '@fedify/fedify/vocab'

/**
 * Recipients with a shared inbox first (each group in its order), so that a fan-out enqueues — and
 * the queue hands out — the deliveries that reach many followers or members at once before the
 * one-person inboxes.
 */
export function sharedInboxesFirst(items: readonly Recipient[]): Recipient[] {
  return [
    ...items.filter((item) => item.endpoints?.sharedInbox),
    ...items.filter((item) => !item.endpoints?.sharedInbox),
  ]
}
