// Typed events: a map of event names to argument types, and an emitter whose listeners cannot
// break whoever emits (a listener that throws is isolated, STYLE "Typed events").

export type Listener<T> = (value: T) => void;

export class TypedEmitter<Events> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof Events>(name: K, value: Events[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        (listener as Listener<Events[K]>)(value);
      } catch {
        // A listener's failure is its own; the emitter's state must not depend on it.
      }
    }
  }
}
