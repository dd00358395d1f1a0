/** What someone was typing in each room, kept in this browser (localStorage) until sent. */
export class Drafts {
  readonly #prefix: string

  constructor(ownerId: string) {
    this.#prefix = `parley.draft.${ownerId}.`
  }

  get(roomId: string): string {
    try {
      return localStorage.getItem(this.#prefix + roomId) ?? ''
    } catch {
      return ''
    }
  }

  set(roomId: string, text: string): void {
    try {
      if (text.trim() === '') localStorage.removeItem(this.#prefix + roomId)
      else localStorage.setItem(this.#prefix + roomId, text)
    } catch {
      // Storage full or disabled: the draft lives as long as the page.
    }
  }
}
