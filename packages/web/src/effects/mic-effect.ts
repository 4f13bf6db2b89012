/**
 * Noise suppression beyond the browser's on the local microphone: whether the person turned it
 * on, whether this browser can (Chromium can, Firefox keeps its own), whether RNNoise is running,
 * and the track to send (the denoised one while it runs, the microphone's own otherwise). While
 * RNNoise loads, and if it fails, the microphone's own track is sent and the panel says why.
 */
import { loadPreferences, savePreferences } from "../call/preferences.ts";
import { Store } from "../call/store.ts";
import {
  canSuppressNoise,
  type NoiseSuppression,
  startNoiseSuppression,
} from "./noise-suppression.ts";

/** `off`: not chosen, not possible here, or no microphone. */
export type NoiseStatus = "off" | "loading" | "on" | "failed";

export interface MicEffectState {
  readonly enabled: boolean;
  /** False where the browser cannot process audio on the page (Firefox). */
  readonly supported: boolean;
  readonly status: NoiseStatus;
  readonly notice: string | null;
}

export class MicEffect extends Store<MicEffectState> {
  private mic: MediaStreamTrack | null = null;
  private suppression: NoiseSuppression | null = null;
  private generation = 0;

  /** `onOutput` receives the track to send and show each time it changes. */
  constructor(private readonly onOutput: (track: MediaStreamTrack | null) => void) {
    const { strongNoiseSuppression } = loadPreferences();
    super({
      enabled: strongNoiseSuppression,
      supported: canSuppressNoise(),
      status: "off",
      notice: null,
    });
  }

  /** The microphone's own track changed (opened, reopened, closed: null). */
  setMic(track: MediaStreamTrack | null): void {
    this.mic = track;
    void this.restart();
  }

  /** The person's choice; remembered for the next meetings. */
  choose(enabled: boolean): void {
    savePreferences({ strongNoiseSuppression: enabled });
    this.update({ enabled, notice: null });
    void this.restart();
  }

  private async restart(): Promise<void> {
    const generation = ++this.generation;
    this.suppression?.stop();
    this.suppression = null;
    const { mic } = this;
    this.onOutput(mic);
    if (!mic || !this.state.enabled || !this.state.supported) {
      this.update({ status: "off" });
      return;
    }
    this.update({ status: "loading" });
    try {
      const suppression = startNoiseSuppression(mic);
      this.suppression = suppression;
      suppression.onFailure = (reason) => {
        if (generation === this.generation) this.fallBack(reason);
      };
      await suppression.running;
      if (generation !== this.generation) return;
      this.onOutput(suppression.track);
      this.update({ status: "on" });
    } catch (error) {
      if (generation !== this.generation) return;
      this.fallBack(error instanceof Error ? error.message : String(error));
    }
  }

  private fallBack(reason: string): void {
    this.generation++;
    this.suppression?.stop();
    this.suppression = null;
    this.onOutput(this.mic);
    this.update({
      status: "failed",
      notice: `Background noise removal stopped (${reason}); your microphone is sent with the browser's own noise suppression.`,
    });
  }
}
