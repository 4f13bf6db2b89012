/**
 * A minimal typed event emitter: a map of event names to argument tuples. A listener that throws
 * is isolated: the error goes to `onListenerError` and the bot carries on (STYLE: a listener must
 * not be able to break its emitter).
 */
type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEvents<M extends Record<keyof M, unknown[]>> {
  // Stored untyped: the map pairs each event with its own listener type, which TS cannot express.
  private readonly listeners = new Map<keyof M, Set<unknown>>();
  onListenerError: (error: unknown) => void = (error) => {
    console.error("bot: an event listener threw", error);
  };

  on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof M>(event: K, listener: Listener<M[K]>): void {
    this.listeners.get(event)?.delete(listener);
  }

  emit<K extends keyof M>(event: K, ...args: M[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<M[K]>)(...args);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
