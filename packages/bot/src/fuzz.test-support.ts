/** A seeded generator, so a fuzz failure can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** Copies `input` with a few random bytes changed and sometimes cut short. */
export function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const out = input.slice(0, random() % 4 === 0 ? random() % (input.length + 1) : input.length);
  const edits = 1 + (random() % 8);
  for (let i = 0; i < edits && out.length > 0; i++) out[random() % out.length] = random() & 0xff;
  return out;
}
