import {
  type FrameCounts,
  isWorkerToPage,
  type MediaKind,
  type PageToWorker,
  type ParticipantFrameCounts,
  type TransformOptions,
} from "../worker/messages.ts";
import { Store } from "./store.ts";

export interface TransformCounts {
  readonly totals: readonly FrameCounts[];
  readonly participants: readonly ParticipantFrameCounts[];
  readonly lastError: string | null;
}

/** Whether this browser can run Conclave's end-to-end encryption at all. */
export function canTransformMedia(): boolean {
  return typeof globalThis.RTCRtpScriptTransform === "function";
}

/**
 * The page's side of the media worker: gives every sender and receiver an encoded transform
 * running in the one worker, and holds the frame counts the worker reports.
 */
export class MediaTransforms extends Store<TransformCounts> {
  private readonly worker: Worker;
  private readonly attached = new WeakSet<RTCRtpSender | RTCRtpReceiver>();

  constructor() {
    super({ totals: [], participants: [], lastError: null });
    this.worker = new Worker(new URL("../worker/media-worker.ts", import.meta.url), {
      type: "module",
      name: "conclave-media",
    });
    this.worker.addEventListener("message", (event: MessageEvent<unknown>) => {
      const message = event.data;
      if (!isWorkerToPage(message)) return;
      if (message.type === "counts") {
        this.update({ totals: message.totals, participants: message.participants });
      } else {
        this.update({ lastError: message.message });
      }
    });
    this.worker.addEventListener("error", (event) => {
      this.update({ lastError: `media worker failed: ${event.message}` });
    });
  }

  attachSender(sender: RTCRtpSender, kind: MediaKind): void {
    if (this.attached.has(sender)) return;
    this.attached.add(sender);
    const options: TransformOptions = { direction: "send", kind, mid: null };
    sender.transform = new RTCRtpScriptTransform(this.worker, options);
  }

  /** Each receiver gets its transform once; m-lines are reused, so its mid is what stays. */
  attachReceiver(receiver: RTCRtpReceiver, kind: MediaKind, mid: string | null): void {
    if (this.attached.has(receiver)) return;
    this.attached.add(receiver);
    const options: TransformOptions = { direction: "recv", kind, mid };
    receiver.transform = new RTCRtpScriptTransform(this.worker, options);
  }

  setReceiveMids(mids: Record<string, string>): void {
    this.post({ type: "recv-mids", mids });
  }

  terminate(): void {
    this.worker.terminate();
  }

  private post(message: PageToWorker): void {
    this.worker.postMessage(message);
  }
}
