/**
 * The active speaker from audio levels: the loudest participant above a speaking level, taken over
 * only once someone else has been the loudest for a moment, so the focus does not flicker on a
 * cough or between two people talking over each other. Silence keeps the last speaker.
 */
export interface ActiveSpeakerOptions {
  /** WebRTC audioLevel (0..1) from which a participant counts as speaking. */
  readonly speakingLevel?: number;
  /** How long someone else must be the loudest before they take over, in ms. */
  readonly switchAfterMs?: number;
}

export class ActiveSpeaker {
  private current: string | null = null;
  private challenger: { id: string; since: number } | null = null;
  private readonly speakingLevel: number;
  private readonly switchAfterMs: number;

  constructor(options: ActiveSpeakerOptions = {}) {
    this.speakingLevel = options.speakingLevel ?? 0.04;
    this.switchAfterMs = options.switchAfterMs ?? 1200;
  }

  get speaker(): string | null {
    return this.current;
  }

  /** Feeds one sample of everyone's level (those absent have left); returns the speaker. */
  observe(levels: ReadonlyMap<string, number>, now: number): string | null {
    if (this.current !== null && !levels.has(this.current)) this.current = null;
    let loudest: string | null = null;
    let best = this.speakingLevel;
    for (const [id, level] of levels) {
      if (level >= best) {
        best = level;
        loudest = id;
      }
    }
    if (loudest === null || loudest === this.current) {
      this.challenger = null;
      return this.current;
    }
    if (this.current === null) {
      this.current = loudest;
      this.challenger = null;
      return this.current;
    }
    if (this.challenger?.id !== loudest) this.challenger = { id: loudest, since: now };
    else if (now - this.challenger.since >= this.switchAfterMs) {
      this.current = loudest;
      this.challenger = null;
    }
    return this.current;
  }
}
