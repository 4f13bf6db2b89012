/**
 * The media worker: every RTCRtpSender and RTCRtpReceiver of the page runs its encoded frames
 * through here (WebRTC Encoded Transform). Keys will live in this worker, never on the page.
 */
import { FrameCounter } from "./frame-counter.ts";
import {
  type EncodedFrame,
  type FrameProcessor,
  type FrameVerdict,
  passThrough,
} from "./frame-processor.ts";
import { isPageToWorker, isTransformOptions, type WorkerToPage } from "./messages.ts";

const counter = new FrameCounter();
/** mid of a receiving transceiver → participant id, replaced on every subscribe offer. */
let recvMids: Readonly<Record<string, string>> = {};
let reportTimer: ReturnType<typeof setInterval> | undefined;

function post(message: WorkerToPage): void {
  postMessage(message);
}

function startReporting(ms: number): void {
  if (reportTimer !== undefined) clearInterval(reportTimer);
  reportTimer = setInterval(() => post({ type: "counts", ...counter.snapshot() }), ms);
}

/** Where SFrame plugs in: an encryptor for senders, a decryptor for receivers. */
function processorFor(_direction: "send" | "recv"): FrameProcessor {
  return passThrough;
}

addEventListener("rtctransform", (event) => {
  const { transformer } = event;
  const options = transformer.options;
  if (!isTransformOptions(options)) {
    post({ type: "transform-error", message: "transform created without valid options" });
    return;
  }
  const { direction, kind, mid } = options;
  const processor = processorFor(direction);
  const transform = new TransformStream<EncodedFrame, EncodedFrame>({
    async transform(frame, controller) {
      const participantId = direction === "recv" && mid !== null ? (recvMids[mid] ?? null) : null;
      const bytes = frame.data.byteLength;
      let verdict: FrameVerdict;
      try {
        verdict = await processor.process(frame, { direction, kind, participantId });
      } catch {
        verdict = { ok: false, reason: "internal" };
      }
      counter.count(direction, kind, participantId, bytes, verdict.ok ? null : verdict.reason);
      if (verdict.ok) controller.enqueue(frame);
    },
  });
  transformer.readable
    .pipeThrough(transform)
    .pipeTo(transformer.writable)
    .catch((error: unknown) => {
      // The pipe also ends when its sender or receiver goes away; diagnostics show the last error.
      post({ type: "transform-error", message: `${direction}/${kind}: ${String(error)}` });
    });
});

addEventListener("message", (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isPageToWorker(message)) return;
  switch (message.type) {
    case "recv-mids":
      recvMids = { ...message.mids };
      break;
    case "report-interval":
      startReporting(message.ms);
      break;
  }
});

startReporting(1000);
