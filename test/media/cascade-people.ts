/**
 * People of the cascade media tests: an account on one instance with a page token, REST client and
 * API helper, and an SDK page in the shared Chromium talking to a chosen instance (or node) origin.
 */
import { ParleyClient } from '@parley/client'
import type { JanusFixture } from './janus-fixture.ts'
import { sdkPage, type Person } from './sdk-fixture.ts'
import type { TestInstance } from '../harness/instance.ts'
import { apiAs, type Api } from '../harness/rooms.ts'

export async function person(instance: TestInstance, name: string): Promise<Person & { api: Api }> {
  const { id, api } = await apiAs(instance, name, name)
  const token = (await instance.services.accounts.createToken(id, 'page')).secret
  return { name, id, token, rest: new ParleyClient({ baseUrl: instance.origin, auth: { token } }), api }
}

/** An SDK page of `p` whose calls go to `origin` (an instance, or one node of it). */
export async function openSdkPage(fixture: Pick<JanusFixture, 'chromium' | 'pages'>, origin: string, p: Person) {
  const page = await fixture.chromium.context.newPage()
  await page.goto(fixture.pages.page('sdk.html'))
  await page.waitForFunction(() => 'app' in globalThis)
  return sdkPage(page, origin, p)
}
