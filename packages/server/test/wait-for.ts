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
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - start;
}
