/** A minimal observable state container that components read through `useStore`. */
export class Store<S extends object> {
  private listeners = new Set<() => void>();

  constructor(private current: S) {}

  get state(): S {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected update(patch: Partial<S>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        console.error("store listener failed", error);
      }
    }
  }
}
