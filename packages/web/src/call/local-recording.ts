/**
 * Local recording (DESIGN §7.8): the meeting as this page shows it, mixed here and saved as a .webm
 * file on this device. It records media this page has already decrypted and nothing is uploaded;
 * everyone is told through MLS that we record (meeting-activity.ts).
 */
import type { LocalMediaState } from "./local-media.ts";
import type { RemoteParticipant } from "./remote-participants.ts";

export interface RecordedParticipant {
  /** Stable per participant, for the layout order. */
  readonly key: string;
  readonly name: string;
  /** Live tracks only when the participant has them on. */
  readonly videoTrack: MediaStreamTrack | null;
  readonly audioTrack: MediaStreamTrack | null;
}

const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 15;
const MIME_TYPES = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm"];

export function canRecord(): boolean {
  return (
    typeof MediaRecorder === "function" &&
    typeof AudioContext === "function" &&
    typeof HTMLCanvasElement.prototype.captureStream === "function" &&
    MIME_TYPES.some((type) => MediaRecorder.isTypeSupported(type))
  );
}

function initials(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .map((w) => [...w][0] ?? "")
    .slice(0, 2)
    .join("")
    .toUpperCase();
}

/** One recording from start to stop; `onDone` gets the file once the recorder has flushed it. */
export class LocalRecording {
  private readonly canvas = document.createElement("canvas");
  private readonly context: CanvasRenderingContext2D;
  private readonly audio = new AudioContext();
  private readonly mix = this.audio.createMediaStreamDestination();
  /** by track id */
  private readonly videos = new Map<string, HTMLVideoElement>();
  private readonly voices = new Map<string, MediaStreamAudioSourceNode>();
  private readonly chunks: Blob[] = [];
  private readonly recorder: MediaRecorder;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly sources: () => readonly RecordedParticipant[],
    onDone: (file: Blob) => void,
  ) {
    this.canvas.width = WIDTH;
    this.canvas.height = HEIGHT;
    const context = this.canvas.getContext("2d");
    if (context === null) throw new Error("no 2D canvas");
    this.context = context;
    const mimeType = MIME_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    const [picture] = this.canvas.captureStream(FPS).getVideoTracks();
    const tracks = [picture, ...this.mix.stream.getAudioTracks()].filter(
      (t): t is MediaStreamTrack => t !== undefined,
    );
    this.recorder = new MediaRecorder(new MediaStream(tracks), mimeType ? { mimeType } : {});
    this.recorder.addEventListener("dataavailable", (e) => {
      if (e.data.size > 0) this.chunks.push(e.data);
    });
    this.recorder.addEventListener("stop", () => {
      this.release();
      onDone(new Blob(this.chunks, { type: "video/webm" }));
    });
    this.draw();
    this.timer = setInterval(() => this.draw(), 1000 / FPS);
    void this.audio.resume();
    // A chunk a second, so a crash of the page loses little and memory grows evenly.
    this.recorder.start(1000);
  }

  stop(): void {
    if (this.recorder.state !== "inactive") this.recorder.stop();
  }

  private draw(): void {
    const people = this.sources();
    this.follow(people);
    const ctx = this.context;
    ctx.fillStyle = "#0e1116";
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    const columns = Math.ceil(Math.sqrt(people.length));
    const rows = Math.max(1, Math.ceil(people.length / columns));
    const gap = 8;
    const w = (WIDTH - gap * (columns + 1)) / Math.max(1, columns);
    const h = (HEIGHT - gap * (rows + 1)) / rows;
    people.forEach((person, i) => {
      const x = gap + (i % columns) * (w + gap);
      const y = gap + Math.floor(i / columns) * (h + gap);
      this.drawTile(person, x, y, w, h);
    });
  }

  private drawTile(person: RecordedParticipant, x: number, y: number, w: number, h: number): void {
    const ctx = this.context;
    ctx.fillStyle = "#1c222b";
    ctx.fillRect(x, y, w, h);
    const video = person.videoTrack ? this.videos.get(person.videoTrack.id) : undefined;
    if (video && video.videoWidth > 0) {
      // Cover the tile, cropping the longer side, as the tiles on screen do.
      const scale = Math.max(w / video.videoWidth, h / video.videoHeight);
      const sw = w / scale;
      const sh = h / scale;
      const sx = (video.videoWidth - sw) / 2;
      const sy = (video.videoHeight - sh) / 2;
      ctx.drawImage(video, sx, sy, sw, sh, x, y, w, h);
    } else {
      const r = Math.min(w, h) * 0.18;
      ctx.fillStyle = "#3d5a99";
      ctx.beginPath();
      ctx.arc(x + w / 2, y + h / 2, r, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = "#ffffff";
      ctx.font = `700 ${Math.round(r * 0.8)}px system-ui, sans-serif`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(initials(person.name) || "?", x + w / 2, y + h / 2);
    }
    ctx.font = "600 20px system-ui, sans-serif";
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    const label = person.name;
    const width = Math.min(ctx.measureText(label).width + 16, w - 16);
    ctx.fillStyle = "rgb(0 0 0 / 55%)";
    ctx.fillRect(x + 8, y + h - 38, width, 30);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(label, x + 16, y + h - 16, w - 32);
  }

  /** Starts drawing and mixing tracks that appeared, and lets go of those that ended. */
  private follow(people: readonly RecordedParticipant[]): void {
    const videoIds = new Set<string>();
    const audioIds = new Set<string>();
    for (const person of people) {
      const { videoTrack, audioTrack } = person;
      if (videoTrack) {
        videoIds.add(videoTrack.id);
        if (!this.videos.has(videoTrack.id)) {
          const video = document.createElement("video");
          video.muted = true;
          video.playsInline = true;
          video.srcObject = new MediaStream([videoTrack]);
          video.play().catch(() => {});
          this.videos.set(videoTrack.id, video);
        }
      }
      if (audioTrack) {
        audioIds.add(audioTrack.id);
        if (!this.voices.has(audioTrack.id)) {
          const source = this.audio.createMediaStreamSource(new MediaStream([audioTrack]));
          source.connect(this.mix);
          this.voices.set(audioTrack.id, source);
        }
      }
    }
    for (const [id, video] of this.videos) {
      if (videoIds.has(id)) continue;
      video.srcObject = null;
      this.videos.delete(id);
    }
    for (const [id, source] of this.voices) {
      if (audioIds.has(id)) continue;
      source.disconnect();
      this.voices.delete(id);
    }
  }

  private release(): void {
    clearInterval(this.timer);
    this.follow([]);
    for (const track of this.recorder.stream.getTracks()) track.stop();
    void this.audio.close();
  }
}

/** The participants as this page shows them: us first, then everyone else, live tracks only. */
export function onScreen(
  selfName: string,
  local: LocalMediaState,
  participants: readonly RemoteParticipant[],
): RecordedParticipant[] {
  return [
    {
      key: "self",
      name: selfName,
      videoTrack: local.camera === "on" ? local.videoTrack : null,
      audioTrack: local.mic === "on" ? local.audioTrack : null,
    },
    ...participants.map((p) => ({
      key: p.id,
      name: p.name,
      videoTrack: p.video ? (p.videoStream?.getVideoTracks()[0] ?? null) : null,
      audioTrack: p.audioStream?.getAudioTracks()[0] ?? null,
    })),
  ];
}
