/**
 * "Notifications on this device": the browser's push subscription (through /sw.js) handed to the
 * server, or taken back. The server pushes mentions, replies and incoming calls to it while no tab
 * of Parley is open.
 */
import type { Parley } from '@parley/client/browser'

export function webPushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && typeof Notification !== 'undefined'
}

async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register('/sw.js', { scope: '/' })
  return navigator.serviceWorker.ready
}

/** Whether this browser has a push subscription the server knows. */
export async function webPushEnabled(parley: Parley): Promise<boolean> {
  if (!webPushSupported()) return false
  const existing = await (await registration()).pushManager.getSubscription()
  if (!existing) return false
  const { subscriptions } = await parley.account.pushSubscriptions()
  return subscriptions.some((s) => s.endpoint === existing.endpoint)
}

/** Subscribes this browser; false when the person did not allow notifications (nothing changed). */
export async function enableWebPush(parley: Parley): Promise<boolean> {
  if ((await Notification.requestPermission()) !== 'granted') return false
  const { publicKey } = await parley.account.pushPublicKey()
  const key = Uint8Array.from(atob(publicKey.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0))
  const reg = await registration()
  const subscription =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }))
  await parley.account.addPushSubscription(
    subscription.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } },
  )
  return true
}

export async function disableWebPush(parley: Parley): Promise<void> {
  const subscription = await (await registration()).pushManager.getSubscription()
  if (!subscription) return
  const { subscriptions } = await parley.account.pushSubscriptions()
  for (const s of subscriptions.filter((s) => s.endpoint === subscription.endpoint))
    await parley.account.removePushSubscription(s.id)
  await subscription.unsubscribe()
}
