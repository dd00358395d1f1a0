/** Web Push: the browsers' subscriptions and the instance's VAPID key pair (one port, both backends). */

export type PushSubscriptionRecord = {
  id: string
  userId: string
  /** The push service's URL (unique: a browser re-subscribing replaces its record). */
  endpoint: string
  /** The browser's P-256 public key and auth secret, base64url as the browser wrote them. */
  p256dh: string
  auth: string
  /**
   * The credential that made it: `session:<idHash>` or `token:<id>`. When that session ends or the
   * token is revoked, the subscription goes with it (checked before each send).
   */
  owner: string
  createdAt: number
}

export type VapidKeysRecord = { publicKey: string; privateKey: string; createdAt: number }

export interface PushRepository {
  /** Adds the subscription, or replaces the one with the same endpoint (keeping its id). Returns what is stored. */
  put(record: PushSubscriptionRecord): Promise<PushSubscriptionRecord>
  byEndpoint(endpoint: string): Promise<PushSubscriptionRecord | null>
  /** Oldest first. */
  listForUser(userId: string): Promise<PushSubscriptionRecord[]>
  countForUser(userId: string): Promise<number>
  /** False when the user has no such subscription. */
  delete(userId: string, id: string): Promise<boolean>
  /** The push service said the subscription is gone (404/410). */
  deleteByEndpoint(endpoint: string): Promise<boolean>
  /** The instance's VAPID keys, or null before the first start. */
  vapidKeys(): Promise<VapidKeysRecord | null>
  /** Keeps these keys unless some are kept already (another node won the race); returns the kept ones. */
  initVapidKeys(keys: VapidKeysRecord): Promise<VapidKeysRecord>
}
