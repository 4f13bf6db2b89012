const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a condition, polling every 50 ms, and fails at the deadline; resolves with the ms taken. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms = 20_000,
): Promise<number> {
  const start = performance.now();
  while (!(await condition())) {
    if (performance.now() - start > ms) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    }
    await sleep(50);
  }
  return performance.now() - start;
}

/**
 * Watches, for `ms`, something that must keep holding (something that must not happen): fails as
 * soon as it stops, polling every 50 ms.
 */
export async function holdsFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms: number,
): Promise<void> {
  const start = performance.now();
  for (;;) {
    if (!(await condition())) {
      throw new Error(`${what} stopped holding after ${Math.round(performance.now() - start)} ms`);
    }
    const left = start + ms - performance.now();
    if (left <= 0) return;
    await sleep(Math.min(50, left));
  }
}

/**
 * Waits until `read()` has not changed for `quietMs` (a renegotiation is over, say), and fails if
 * it keeps changing past the deadline; resolves with the settled value.
 */
export async function settled<T>(
  what: string,
  read: () => T,
  { quietMs = 300, ms = 20_000 }: { quietMs?: number; ms?: number } = {},
): Promise<T> {
  let value = read();
  let since = performance.now();
  await waitFor(
    `${what} to settle`,
    () => {
      const now = read();
      if (now !== value) [value, since] = [now, performance.now()];
      return performance.now() - since >= quietMs;
    },
    ms,
  );
  return value;
}
