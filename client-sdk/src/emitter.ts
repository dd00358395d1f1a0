/** A small typed event emitter; a listener that throws never stops the others. */
export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>()
  readonly #onListenerError: (error: unknown) => void

  constructor(
    onListenerError: (error: unknown) => void = (error) =>
      queueMicrotask(() => {
        throw error
      }),
  ) {
    this.#onListenerError = onListenerError
  }

  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(type)
    if (!set) this.#listeners.set(type, (set = new Set()))
    set.add(listener as (payload: never) => void)
    return () => this.off(type, listener)
  }

  off<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): void {
    this.#listeners.get(type)?.delete(listener as (payload: never) => void)
  }

  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      try {
        ;(listener as (payload: Events[K]) => void)(payload)
      } catch (error) {
        this.#onListenerError(error)
      }
    }
  }
}
