/**
 * Short soft tones, made with WebAudio (no file to fetch): a knock, someone joining, someone
 * leaving. Silent if the browser will not start audio (autoplay rules): the notice and the live
 * region still say it.
 */
let context: AudioContext | null = null;

/** Plays each frequency (Hz) for 160 ms, `gap` seconds apart. */
function playNotes(frequencies: readonly number[], gap = 0.18): void {
  try {
    context ??= new AudioContext();
    const ctx = context;
    if (ctx.state === "suspended") void ctx.resume().catch(() => {});
    const start = ctx.currentTime + 0.01;
    for (const [i, frequency] of frequencies.entries()) {
      const at = start + i * gap;
      const oscillator = ctx.createOscillator();
      const gain = ctx.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.12, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      oscillator.connect(gain).connect(ctx.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.17);
    }
  } catch {
    // No audio output.
  }
}

/** Two notes up, a fifth apart: someone asks to join, so a host who is not looking hears it. */
export function playKnockTone(): void {
  playNotes([660, 880]);
}

/** Rising: someone joined. Falling: someone left. Shorter and softer than a knock. */
export function playJoinChime(): void {
  playNotes([523, 784], 0.12);
}

export function playLeaveChime(): void {
  playNotes([784, 523], 0.12);
}
