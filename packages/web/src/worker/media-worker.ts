// Must stay the first import: zod may not probe for eval under the CSP (see the file).
import "../jitless-zod.ts";
/**
 * The media worker: every RTCRtpSender and RTCRtpReceiver of the page runs its encoded frames
 * through here (WebRTC Encoded Transform), and it hosts the meeting's end-to-end encryption
 * (e2ee-session.ts). Every secret lives in this worker, never on the page.
 */
import { E2eeSession, type EncodedFrame, type FrameVerdict } from "./e2ee-session.ts";
import { FrameCounter } from "./frame-counter.ts";
import {
  type MeetingAccessKeys,
  type PageToWorker,
  PageToWorkerSchema,
  type ReceivedTrack,
  refusal,
  TransformOptionsSchema,
  type WorkerToPage,
} from "./messages.ts";

const counter = new FrameCounter();
/** mid of a receiving transceiver → participant id, replaced on every subscribe offer. */
let recvMids: Readonly<Record<string, ReceivedTrack>> = {};
let reportTimer: ReturnType<typeof setInterval> | undefined;
/** Null until `start` has made the identity and the engine (or if that failed). */
let session: E2eeSession | null = null;
/** Messages that came before the session was ready, in order. */
let starting: Promise<E2eeSession | null> | null = null;

const NO_KEY: FrameVerdict = { outcome: "drop", reason: "no-key" };

function post(message: WorkerToPage): void {
  postMessage(message);
}

function report(): void {
  const empty = { encrypted: 0, decrypted: 0, refused: {}, dropped: {}, deferred: 0 };
  post({
    type: "counts",
    ...counter.snapshot(),
    sframe: session?.report() ?? { total: empty, senders: {}, holdExpired: 0, holdOverflow: 0 },
  });
}

function startReporting(ms: number): void {
  if (reportTimer !== undefined) clearInterval(reportTimer);
  reportTimer = setInterval(report, ms);
}

addEventListener("rtctransform", (event) => {
  const { transformer } = event;
  const options = TransformOptionsSchema.safeParse(transformer.options);
  if (!options.success) {
    const message = `transform options refused (${refusal(options.error)})`;
    post({ type: "transform-error", message });
    return;
  }
  const { direction, kind, mid, source } = options.data;
  const transform = new TransformStream<EncodedFrame, EncodedFrame>({
    async transform(frame, controller) {
      const participantId =
        direction === "recv" && mid !== null ? (recvMids[mid]?.participantId ?? null) : null;
      const bytes = frame.data.byteLength;
      // A held frame is delivered later, once its epoch's keys are in (or never, and counted).
      const deliver = (later: EncodedFrame) => {
        counter.count(direction, kind, participantId, later.data.byteLength, null);
        try {
          controller.enqueue(later);
        } catch {
          // The stream ended while the frame waited.
        }
      };
      let verdict: FrameVerdict;
      try {
        if (session === null) verdict = NO_KEY;
        else if (direction === "send")
          verdict = source === null ? NO_KEY : await session.encrypt(source, frame);
        else if (mid === null) verdict = { outcome: "drop", reason: "no-mid" };
        else verdict = await session.decrypt(mid, kind, frame, deliver);
      } catch {
        verdict = { outcome: "drop", reason: "internal" };
      }
      if (verdict.outcome === "held") return;
      const drop = verdict.outcome === "drop" ? verdict.reason : null;
      counter.count(direction, kind, participantId, bytes, drop);
      if (drop === null) controller.enqueue(frame);
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

function start(displayName: string, access: MeetingAccessKeys): void {
  if (starting !== null) return;
  starting = E2eeSession.start(displayName, access, post).then(
    (made) => {
      session = made;
      session.setReceiveMids(recvMids);
      return made;
    },
    (error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      post({
        type: "group",
        group: {
          status: "failed",
          epoch: null,
          ownLeaf: null,
          securityCode: null,
          ciphersuite: null,
          roster: [],
          failure: `This browser could not set up end-to-end encryption (${reason.slice(0, 300)}).`,
          removedBy: null,
        },
      });
      return null;
    },
  );
}

/** Runs `task` once the session is ready, in the order messages arrived; a failure is reported. */
function withSession(task: (s: E2eeSession) => void | Promise<void>): void {
  if (starting === null) return;
  starting
    .then((s) => (s === null ? undefined : task(s)))
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      post({ type: "member-error", code: "LOCAL_FAILURE", message: message.slice(0, 1000) });
    });
}

function handle(message: PageToWorker): void {
  switch (message.type) {
    case "start":
      start(message.displayName, { inviteSecret: message.inviteSecret, roomId: message.roomId });
      return;
    case "start-knock":
      start(message.displayName, { pinnedHost: message.pinnedHost });
      return;
    case "server":
      withSession((s) => s.receiveServer(message.message));
      return;
    case "server-lost":
      withSession((s) => s.serverLost());
      return;
    case "recv-mids":
      recvMids = { ...message.mids };
      session?.setReceiveMids(recvMids);
      return;
    case "report-interval":
      startReporting(message.ms);
      return;
    case "send-chat":
      withSession((s) => s.sendChat(message.id, message.text));
      return;
    case "set-hand":
      withSession((s) => s.setHand(message.raisedAt));
      return;
    case "send-reaction":
      withSession((s) => s.sendReaction(message.emoji));
      return;
    case "set-recording":
      withSession((s) => s.setRecording(message.active));
      return;
    case "host":
      withSession((s) => s.host(message.action));
      return;
    case "goodbye":
      withSession((s) => s.goodbye());
      return;
  }
}

addEventListener("message", (event: MessageEvent<unknown>) => {
  const parsed = PageToWorkerSchema.safeParse(event.data);
  if (parsed.success) handle(parsed.data);
  else
    post({ type: "transform-error", message: `page message refused (${refusal(parsed.error)})` });
});

startReporting(1000);
