/**
 * Outbound delivery retries: a dead inbox is retried with exponential backoff for at least two days
 * before it is given up. 1 s doubling (with Fedify's jitter, ×1–2) up to 6 h apart: the first 15
 * attempts take at least 9 h, the 8 after them 6 h each, about 57 h in all.
 */
import { createExponentialBackoffPolicy, type RetryPolicy } from '@fedify/fedify'

export function deliveryRetryPolicy(): RetryPolicy {
  return createExponentialBackoffPolicy({ maxAttempts: 23, initialDelay: { seconds: 1 }, maxDelay: { hours: 6 } })
}

/** Inbound processing (a listener that threw, e.g. a store outage): up to 10 tries within a few hours. */
export function inboxRetryPolicy(): RetryPolicy {
  return createExponentialBackoffPolicy({ maxAttempts: 10, maxDelay: { hours: 1 } })
}
