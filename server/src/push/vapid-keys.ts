/**
 * The instance's VAPID key pair: configured (pushVapidPublicKey/PrivateKey), or generated once and
 * kept in the store, where every node of the instance finds the same pair (a browser subscribed
 * with one public key accepts pushes signed by that key only).
 */
import { createECDH } from 'node:crypto'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/ports.ts'
import type { VapidDetails } from './push-sender.ts'

export async function vapidDetails(config: Config, store: Store, now: () => number): Promise<VapidDetails> {
  const subject = config.pushVapidSubject || defaultSubject(config.publicOrigin)
  if (config.pushVapidPublicKey && config.pushVapidPrivateKey)
    return { subject, publicKey: config.pushVapidPublicKey, privateKey: config.pushVapidPrivateKey }
  const kept = await store.push.vapidKeys()
  if (kept) return { subject, publicKey: kept.publicKey, privateKey: kept.privateKey }
  const made = newVapidKeys()
  const stored = await store.push.initVapidKeys({ ...made, createdAt: now() })
  return { subject, publicKey: stored.publicKey, privateKey: stored.privateKey }
}

/**
 * A P-256 pair as web-push's generateVAPIDKeys() makes it (uncompressed public point, 32-byte
 * private scalar, both base64url), made with node:crypto so that startup need not load web-push
 * (≈ 300 ms) — it loads at the first push (push-sender.ts).
 */
function newVapidKeys(): { publicKey: string; privateKey: string } {
  const curve = createECDH('prime256v1')
  curve.generateKeys()
  const pad = (key: Buffer, length: number) =>
    key.length < length ? Buffer.concat([Buffer.alloc(length - key.length), key]) : key
  return {
    publicKey: pad(curve.getPublicKey(), 65).toString('base64url'),
    privateKey: pad(curve.getPrivateKey(), 32).toString('base64url'),
  }
}

/** Push services want an https: URL or mailto: address; an http origin (development) gets a mailto. */
function defaultSubject(publicOrigin: string): string {
  const url = new URL(publicOrigin)
  return url.protocol === 'https:' ? url.origin : `mailto:parley@${url.hostname}`
}
