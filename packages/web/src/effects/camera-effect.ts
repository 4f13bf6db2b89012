/**
 * The background effect of the local camera: which one the person chose, whether it is loading,
 * running, or was turned off because this device is too slow for it, and the track to send and
 * show (the composed one while it runs, the camera's own otherwise).
 *
 * While the model loads nothing is sent (the person asked not to show their background). When the
 * effect fails or the device is too slow for it, the plain camera is sent and the Devices panel
 * says why.
 */
import { loadPreferences, savePreferences } from "../call/preferences.ts";
import { Store } from "../call/store.ts";
import { type BackgroundChoice, loadBackdropImage } from "./backdrops.ts";
import type { Backdrop } from "./compositor.ts";
import { type EffectPipeline, startPipeline } from "./effect-pipeline.ts";
import { FrameTiming, frameBudgetMs } from "./effect-timing.ts";
import type { Segmenter } from "./segmenter.ts";

/**
 * - `off`: no effect chosen (or no camera); `loading`: the model is loading, no video is sent
 *   meanwhile; `on`: running; `too-slow`: switched off by the timing of its first frames;
 *   `failed`: the model or the pipeline failed.
 */
export type EffectStatus = "off" | "loading" | "on" | "too-slow" | "failed";

export interface CameraEffectState {
  readonly choice: BackgroundChoice;
  readonly status: EffectStatus;
  /** Why the effect is not running although it was chosen; null when there is nothing to say. */
  readonly notice: string | null;
  /** The median time per frame of the running effect's first frames, once measured. */
  readonly frameMs: number | null;
}

let segmenter: Promise<Segmenter> | undefined;

/**
 * One segmenter per page, loaded on first use (LiteRT.js is its own chunk, fetched only then); a
 * failed load is tried again next time.
 */
function sharedSegmenter(): Promise<Segmenter> {
  segmenter ??= import("./segmenter.ts").then(({ createSegmenter }) => createSegmenter());
  segmenter.catch(() => {
    segmenter = undefined;
  });
  return segmenter;
}

async function backdropFor(choice: BackgroundChoice): Promise<Backdrop> {
  if (choice === "none" || choice === "blur") return { kind: "blur" };
  return { kind: "image", image: await loadBackdropImage(choice) };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export class CameraEffect extends Store<CameraEffectState> {
  private camera: MediaStreamTrack | null = null;
  private pipeline: EffectPipeline | null = null;
  /** Bumped at each restart, so that a slow load for an old camera or choice is dropped. */
  private generation = 0;

  /** `onOutput` receives the track to send and show each time it changes. */
  constructor(private readonly onOutput: (track: MediaStreamTrack | null) => void) {
    super({ choice: loadPreferences().background, status: "off", notice: null, frameMs: null });
  }

  /** The camera's own track changed (opened, switched, closed: null). */
  setCamera(track: MediaStreamTrack | null): void {
    this.camera = track;
    void this.restart();
  }

  /** The person's choice; remembered for the next meetings. */
  choose(choice: BackgroundChoice): void {
    savePreferences({ background: choice });
    this.update({ choice, notice: null });
    void this.restart();
  }

  private stopPipeline(): void {
    this.pipeline?.stop();
    this.pipeline = null;
  }

  private async restart(): Promise<void> {
    const generation = ++this.generation;
    this.stopPipeline();
    const { camera } = this;
    const { choice } = this.state;
    // While the effect loads nothing is sent: the person asked not to show their background.
    this.onOutput(choice === "none" ? camera : null);
    if (!camera || choice === "none") {
      this.update({ status: "off" });
      return;
    }
    this.update({ status: "loading", notice: null, frameMs: null });
    try {
      const [model, backdrop] = await Promise.all([sharedSegmenter(), backdropFor(choice)]);
      if (generation !== this.generation) return;
      this.pipeline = this.startOn(camera, model, backdrop, generation);
      this.onOutput(this.pipeline.track);
      this.update({ status: "on" });
    } catch (error) {
      if (generation !== this.generation) return;
      this.fallBack(`The background effect could not start (${describe(error)}).`, "failed");
    }
  }

  private startOn(
    camera: MediaStreamTrack,
    model: Segmenter,
    backdrop: Backdrop,
    generation: number,
  ): EffectPipeline {
    const frameRate = camera.getSettings().frameRate;
    const timing = new FrameTiming(frameBudgetMs(frameRate));
    return startPipeline({
      camera,
      segmenter: model,
      backdrop: () => backdrop,
      onFrame: (ms) => {
        const verdict = timing.record(ms);
        if (verdict.kind === "timing" || generation !== this.generation) return;
        if (verdict.kind === "fast") {
          this.update({ frameMs: round(verdict.medianMs) });
          return;
        }
        const fps = frameRate ? ` at ${Math.round(frameRate)} frames a second` : "";
        this.fallBack(
          `The background effect was turned off: this device took ${round(verdict.medianMs)} ms ` +
            `per frame, more than the ${round(verdict.budgetMs)} ms it can spare${fps}. ` +
            "Your camera is sent as it is.",
          "too-slow",
        );
      },
      onError: (error) => {
        if (generation !== this.generation) return;
        this.fallBack(`The background effect stopped (${describe(error)}).`, "failed");
      },
    });
  }

  /** Sends the plain camera again and says why; a device too slow keeps the effect off. */
  private fallBack(notice: string, status: "too-slow" | "failed"): void {
    this.generation++;
    this.stopPipeline();
    this.onOutput(this.camera);
    if (status === "too-slow") savePreferences({ background: "none" });
    this.update({ status, notice, choice: status === "too-slow" ? "none" : this.state.choice });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
