import { CameraEffect } from "../effects/camera-effect.ts";
import { MicEffect } from "../effects/mic-effect.ts";
import { loadPreferences, savePreferences } from "./preferences.ts";
import { Store } from "./store.ts";

/**
 * - `pending`: asking the browser; `on`/`off`: working, by the user's choice;
 * - `denied`: the user or browser refused permission; `missing`: no such device;
 * - `busy`: another app holds it; `error`: anything else.
 */
export type DeviceStatus = "pending" | "on" | "off" | "denied" | "missing" | "busy" | "error";

export interface DeviceOption {
  readonly deviceId: string;
  readonly label: string;
}

export interface LocalMediaState {
  readonly mic: DeviceStatus;
  readonly camera: DeviceStatus;
  /** What is sent: the microphone's own track, or its denoised one (`micEffect`). */
  readonly audioTrack: MediaStreamTrack | null;
  /** What is shown and sent: the camera's own track, or its background effect's (`effect`). */
  readonly videoTrack: MediaStreamTrack | null;
  readonly mics: readonly DeviceOption[];
  readonly cameras: readonly DeviceOption[];
  /** Audio outputs; empty where the browser cannot choose one (no setSinkId). */
  readonly speakers: readonly DeviceOption[];
  readonly micId: string | null;
  readonly cameraId: string | null;
  /** Where remote audio plays; null: the system's default. */
  readonly speakerId: string | null;
  readonly noiseSuppression: boolean;
  readonly echoCancellation: boolean;
}

export type AudioProcessing = Pick<LocalMediaState, "noiseSuppression" | "echoCancellation">;

function audioConstraints({ noiseSuppression, echoCancellation }: AudioProcessing) {
  return { noiseSuppression, echoCancellation, autoGainControl: true };
}
const VIDEO: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
};

function statusOf(error: unknown): DeviceStatus {
  const name = error instanceof DOMException ? error.name : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return "denied";
    case "NotFoundError":
    case "OverconstrainedError":
      return "missing";
    case "NotReadableError":
    case "AbortError":
      return "busy";
    default:
      return "error";
  }
}

/**
 * `exact` for a device the user just picked: with `ideal`, Chromium weighs the device against
 * the other ideals (resolution, frame rate) and may open another camera.
 */
function withDevice(
  base: MediaTrackConstraints,
  deviceId: string | null,
  pick: "ideal" | "exact" = "ideal",
): MediaTrackConstraints {
  return deviceId ? { ...base, deviceId: { [pick]: deviceId } } : base;
}

/** Whether this browser can choose the speaker an element plays on. */
export function canChooseSpeaker(): boolean {
  return typeof HTMLMediaElement.prototype.setSinkId === "function";
}

/**
 * The local camera and microphone: permissions, device choice, on/off, the microphone's
 * processing, the camera's background effect, and which speaker remote audio plays on. Owns the
 * tracks.
 */
export class LocalMedia extends Store<LocalMediaState> {
  private stopped = false;
  /** The camera's own track; `videoTrack` is what the effect makes of it. */
  private camera: MediaStreamTrack | null = null;
  readonly effect = new CameraEffect((videoTrack) => this.update({ videoTrack }));
  /** The microphone's own track; `audioTrack` is what noise suppression makes of it. */
  private mic: MediaStreamTrack | null = null;
  private muted = false;
  readonly micEffect = new MicEffect((audioTrack) => {
    // A track that replaces the sent one keeps the mute.
    if (audioTrack && this.muted) audioTrack.enabled = false;
    this.update({ audioTrack });
  });
  private readonly onDeviceChange = () => void this.refreshDevices();

  constructor() {
    const prefs = loadPreferences();
    super({
      mic: "pending",
      camera: "pending",
      audioTrack: null,
      videoTrack: null,
      mics: [],
      cameras: [],
      speakers: [],
      micId: prefs.micId,
      cameraId: prefs.cameraId,
      speakerId: prefs.speakerId,
      noiseSuppression: prefs.noiseSuppression,
      echoCancellation: prefs.echoCancellation,
    });
  }

  /** Asks for both devices; whichever works is used, the other one says why not. */
  async start(
    want: { audio: boolean; video: boolean } = { audio: true, video: true },
  ): Promise<void> {
    this.stopped = false;
    navigator.mediaDevices?.addEventListener("devicechange", this.onDeviceChange);
    if (!navigator.mediaDevices?.getUserMedia) {
      this.update({ mic: "error", camera: "error" });
      return;
    }
    this.update({ mic: want.audio ? "pending" : "off", camera: want.video ? "pending" : "off" });
    if (!want.audio && !want.video) return this.refreshDevices();
    const { micId, cameraId } = this.state;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: want.audio && withDevice(audioConstraints(this.state), micId),
        video: want.video && withDevice(VIDEO, cameraId),
      });
      if (this.stopped) return stopAll(stream);
      if (want.audio) this.adopt(stream.getAudioTracks()[0] ?? null, "audio");
      if (want.video) this.adopt(stream.getVideoTracks()[0] ?? null, "video");
    } catch {
      // One device failing fails the pair: ask for each alone to learn which one works.
      await Promise.all([
        want.audio ? this.acquire("audio") : Promise.resolve(),
        want.video ? this.acquire("video") : Promise.resolve(),
      ]);
    }
    await this.refreshDevices();
  }

  async setCameraOn(on: boolean): Promise<void> {
    if (!on) {
      this.releaseCamera();
      this.update({ camera: "off" });
      return;
    }
    this.update({ camera: "pending" });
    await this.acquire("video");
  }

  /** Muting keeps the microphone open and sends silence, so unmuting is instant. */
  setMicOn(on: boolean): void {
    const track = this.state.audioTrack;
    if (!track) return;
    this.muted = !on;
    track.enabled = on;
    if (this.mic) this.mic.enabled = on;
    this.update({ mic: on ? "on" : "off" });
  }

  async selectCamera(deviceId: string): Promise<void> {
    savePreferences({ cameraId: deviceId });
    this.update({ cameraId: deviceId });
    if (this.state.camera === "off") return;
    this.update({ camera: "pending" });
    await this.acquire("video", "exact");
  }

  async selectMic(deviceId: string): Promise<void> {
    savePreferences({ micId: deviceId });
    this.update({ micId: deviceId });
    await this.reopenMic();
  }

  /** Remote audio plays on this output from now on (ui/audio-outputs.tsx applies it). */
  selectSpeaker(deviceId: string): void {
    savePreferences({ speakerId: deviceId });
    this.update({ speakerId: deviceId });
  }

  /**
   * Turns the browser's noise suppression or echo cancellation on or off. The microphone is
   * opened again with the new settings (applyConstraints does not change them in every browser);
   * the call swaps the track without renegotiating.
   */
  async setAudioProcessing(patch: Partial<AudioProcessing>): Promise<void> {
    savePreferences(patch);
    this.update(patch);
    if (this.state.audioTrack) await this.reopenMic();
  }

  private async reopenMic(): Promise<void> {
    const wasMuted = this.state.mic === "off" && this.state.audioTrack !== null;
    this.update({ mic: "pending" });
    await this.acquire("audio", "exact");
    if (wasMuted) this.setMicOn(false);
  }

  /** Retries a device after the user changed a browser permission. */
  retry(kind: "audio" | "video"): Promise<void> {
    this.update(kind === "audio" ? { mic: "pending" } : { camera: "pending" });
    return this.acquire(kind).then(() => this.refreshDevices());
  }

  /** Releases both devices (the camera light goes off). */
  stop(): void {
    this.stopped = true;
    navigator.mediaDevices?.removeEventListener("devicechange", this.onDeviceChange);
    this.mic?.stop();
    this.mic = null;
    this.micEffect.setMic(null);
    this.releaseCamera();
  }

  private releaseCamera(): void {
    this.camera?.stop();
    this.camera = null;
    this.effect.setCamera(null);
  }

  private async acquire(kind: "audio" | "video", pick: "ideal" | "exact" = "ideal"): Promise<void> {
    const deviceId = kind === "audio" ? this.state.micId : this.state.cameraId;
    const constraints = withDevice(
      kind === "audio" ? audioConstraints(this.state) : VIDEO,
      deviceId,
      pick,
    );
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
      if (this.stopped) return stopAll(stream);
      const track = (kind === "audio" ? stream.getAudioTracks() : stream.getVideoTracks())[0];
      this.adopt(track ?? null, kind);
    } catch (error) {
      // The chosen device went away: take whichever the browser offers.
      if (pick === "exact" && statusOf(error) === "missing") return this.acquire(kind);
      if (kind === "audio") this.update({ mic: statusOf(error) });
      else this.update({ camera: statusOf(error) });
    }
  }

  private adopt(track: MediaStreamTrack | null, kind: "audio" | "video"): void {
    const old = kind === "audio" ? this.mic : this.camera;
    if (old && old !== track) old.stop();
    const status: DeviceStatus = track ? "on" : "missing";
    const deviceId = track?.getSettings().deviceId ?? null;
    if (kind === "audio") {
      this.mic = track;
      this.muted = false;
      this.micEffect.setMic(track);
      this.update({ mic: status, micId: deviceId ?? this.state.micId });
    } else {
      this.camera = track;
      this.effect.setCamera(track);
      this.update({ camera: status, cameraId: deviceId ?? this.state.cameraId });
    }
    track?.addEventListener("ended", () => {
      // The device went away (unplugged, or revoked in the browser's settings).
      if (kind === "audio" && this.mic === track) {
        this.mic = null;
        this.micEffect.setMic(null);
        this.update({ mic: "error" });
      } else if (kind === "video" && this.camera === track) {
        this.camera = null;
        this.effect.setCamera(null);
        this.update({ camera: "error" });
      }
    });
  }

  /** Never rejects: without a device list the pickers stay as they were. */
  private async refreshDevices(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    let devices: MediaDeviceInfo[];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      return;
    }
    const options = (kind: MediaDeviceKind, noun: string): DeviceOption[] =>
      devices
        .filter((d) => d.kind === kind && d.deviceId !== "")
        .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${noun} ${i + 1}` }));
    this.update({
      mics: options("audioinput", "Microphone"),
      cameras: options("videoinput", "Camera"),
      speakers: canChooseSpeaker() ? options("audiooutput", "Speaker") : [],
    });
  }
}

function stopAll(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
