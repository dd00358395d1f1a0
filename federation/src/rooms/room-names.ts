import { Mention } from '@fedify/fedify/vocab'
import { sameUrl } from '../inbox/inbox-deps.ts'

/** The display name a room document gives `actor` (a `Mention` of it among its tags), else its URL. */
export async function nameOf(object: { getTags(): AsyncIterable<unknown> }, actor: URL): Promise<string> {
  for await (const tag of object.getTags()) {
    if (tag instanceof Mention && sameUrl(tag.href, actor) && tag.name) return tag.name.toString()
  }
  return actor.href
}
