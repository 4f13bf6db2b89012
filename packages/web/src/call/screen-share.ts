import { Store } from "./store.ts";

/**
 * - `off`: not sharing; `choosing`: the browser's picker is open;
 * - `on`: sharing `video` (and `audio`, when the browser offered tab or system audio);
 * - `error`: the browser could not capture (`error` says why). Cancelling the picker is `off`.
 */
export interface ScreenShareState {
  readonly status: "off" | "choosing" | "on" | "error";
  readonly video: MediaStreamTrack | null;
  readonly audio: MediaStreamTrack | null;
  readonly error: string | null;
}

/** Whether this browser can share a screen at all (phones mostly cannot). */
export function canShareScreen(): boolean {
  return typeof navigator.mediaDevices?.getDisplayMedia === "function";
}

/** Our screen share: asks the browser for a screen, window or tab and owns the tracks. */
export class ScreenShare extends Store<ScreenShareState> {
  /** Bumped by every start and stop, so a picker answered after a stop shares nothing. */
  private attempt = 0;

  constructor() {
    super({ status: "off", video: null, audio: null, error: null });
  }

  async start(): Promise<void> {
    if (this.state.status === "choosing" || this.state.status === "on") return;
    const attempt = ++this.attempt;
    this.update({ status: "choosing", error: null });
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({
        video: { frameRate: { ideal: 15, max: 30 } },
        // Tab or system audio where the browser offers it. This tab is not offered: sharing the
        // meeting into itself only makes a mirror hall and an echo.
        audio: true,
        systemAudio: "include",
        selfBrowserSurface: "exclude",
      } as DisplayMediaStreamOptions);
    } catch (error) {
      if (attempt !== this.attempt) return;
      const cancelled = error instanceof DOMException && error.name === "NotAllowedError";
      this.update({
        status: cancelled ? "off" : "error",
        error: cancelled ? null : `Could not share the screen (${describe(error)}).`,
      });
      return;
    }
    if (attempt !== this.attempt) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    const video = stream.getVideoTracks()[0] ?? null;
    const audio = stream.getAudioTracks()[0] ?? null;
    if (!video) {
      for (const track of stream.getTracks()) track.stop();
      this.update({ status: "error", error: "The browser shared no picture." });
      return;
    }
    // Text and lines stay sharp; the encoder lowers the frame rate before the resolution.
    video.contentHint = "detail";
    // The browser's own "Stop sharing" button ends the track.
    video.addEventListener("ended", () => {
      if (this.state.video === video) this.stop();
    });
    this.update({ status: "on", video, audio, error: null });
  }

  stop(): void {
    this.attempt++;
    this.state.video?.stop();
    this.state.audio?.stop();
    this.update({ status: "off", video: null, audio: null });
  }
}

function describe(error: unknown): string {
  return error instanceof DOMException ? error.name : String(error).slice(0, 100);
}
