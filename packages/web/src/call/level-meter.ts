/** Microphone loudness from a WebAudio analyser, read on demand (e.g. once per animation frame). */
export class LevelMeter {
  private readonly context: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly samples: Float32Array<ArrayBuffer>;

  constructor(track: MediaStreamTrack) {
    this.context = new AudioContext();
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.samples = new Float32Array(this.analyser.fftSize);
    this.source = this.context.createMediaStreamSource(new MediaStream([track]));
    this.source.connect(this.analyser);
    // Contexts made without a user gesture start suspended; resume on the next one.
    if (this.context.state === "suspended") {
      const resume = () => void this.context.resume().catch(() => {});
      addEventListener("pointerdown", resume, { once: true });
      addEventListener("keydown", resume, { once: true });
      void this.context.resume().catch(() => {});
    }
  }

  /** 0 (silence) … 1 (loud), on a perceptual-ish scale. */
  level(): number {
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const s of this.samples) sum += s * s;
    const rms = Math.sqrt(sum / this.samples.length);
    const db = 20 * Math.log10(rms || 1e-8);
    return Math.min(1, Math.max(0, (db + 60) / 50));
  }

  close(): void {
    this.source.disconnect();
    void this.context.close().catch(() => {});
  }
}
