let context: AudioContext | null = null;

/**
 * Two short soft notes when someone asks to join, so a host who is not looking hears it. WebAudio,
 * no file to fetch; silent if the browser will not start audio (autoplay rules).
 */
export function playKnockTone(): void {
  try {
    context ??= new AudioContext();
    const ctx = context;
    if (ctx.state === "suspended") void ctx.resume().catch(() => {});
    const start = ctx.currentTime + 0.01;
    for (const [i, frequency] of [660, 880].entries()) {
      const at = start + i * 0.18;
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
    // No audio output: the card and the announcement still say it.
  }
}
