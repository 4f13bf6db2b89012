import { useEffect, useState } from "preact/hooks";
import type { Store } from "../call/store.ts";

/** Re-renders the component whenever the store changes. */
export function useStore<S extends object>(store: Store<S>): S {
  const [, setTick] = useState(0);
  useEffect(() => {
    setTick((t) => t + 1);
    return store.subscribe(() => setTick((t) => t + 1));
  }, [store]);
  return store.state;
}
