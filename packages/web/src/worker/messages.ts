/**
 * Messages between the page and the media worker, typed like any wire protocol (STYLE.md). Each
 * side validates what it receives with the guards below: postMessage is a trust boundary too.
 */

export type MediaKind = "audio" | "video";
export type TransformDirection = "send" | "recv";

/** Passed as the options of every `RTCRtpScriptTransform`; read back as `transformer.options`. */
export interface TransformOptions {
  readonly direction: TransformDirection;
  readonly kind: MediaKind;
  /** The transceiver's mid; for receivers it says whose media this is (see `recv-mids`). */
  readonly mid: string | null;
}

/** Frame counts for one direction and kind since the worker started. */
export interface FrameCounts {
  readonly direction: TransformDirection;
  readonly kind: MediaKind;
  readonly frames: number;
  readonly bytes: number;
  /** Frames not passed on (e.g. failed decryption once SFrame is in place). */
  readonly dropped: number;
}

/** Received frames per remote participant and kind. */
export interface ParticipantFrameCounts {
  readonly participantId: string;
  readonly kind: MediaKind;
  readonly frames: number;
  readonly dropped: number;
}

// ---- page → worker ------------------------------------------------------------------------

export type PageToWorker =
  /** Which participant each receiving mid carries now; m-lines are reused, so sent on every offer. */
  | { readonly type: "recv-mids"; readonly mids: Readonly<Record<string, string>> }
  /** How often to post `counts`, in milliseconds. */
  | { readonly type: "report-interval"; readonly ms: number };

// ---- worker → page ------------------------------------------------------------------------

export type WorkerToPage =
  | {
      readonly type: "counts";
      readonly totals: readonly FrameCounts[];
      readonly participants: readonly ParticipantFrameCounts[];
    }
  | { readonly type: "transform-error"; readonly message: string };

const KINDS: readonly string[] = ["audio", "video"];
const DIRECTIONS: readonly string[] = ["send", "recv"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function isFrameCounts(value: unknown): value is FrameCounts {
  return (
    isRecord(value) &&
    DIRECTIONS.includes(value.direction as string) &&
    KINDS.includes(value.kind as string) &&
    isCount(value.frames) &&
    isCount(value.bytes) &&
    isCount(value.dropped)
  );
}

function isParticipantFrameCounts(value: unknown): value is ParticipantFrameCounts {
  return (
    isRecord(value) &&
    typeof value.participantId === "string" &&
    KINDS.includes(value.kind as string) &&
    isCount(value.frames) &&
    isCount(value.dropped)
  );
}

export function isWorkerToPage(value: unknown): value is WorkerToPage {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case "counts":
      return (
        Array.isArray(value.totals) &&
        value.totals.every(isFrameCounts) &&
        Array.isArray(value.participants) &&
        value.participants.every(isParticipantFrameCounts)
      );
    case "transform-error":
      return typeof value.message === "string";
    default:
      return false;
  }
}

export function isPageToWorker(value: unknown): value is PageToWorker {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case "recv-mids":
      return (
        isRecord(value.mids) && Object.values(value.mids).every((id) => typeof id === "string")
      );
    case "report-interval":
      return isCount(value.ms) && value.ms >= 100;
    default:
      return false;
  }
}

export function isTransformOptions(value: unknown): value is TransformOptions {
  return (
    isRecord(value) &&
    DIRECTIONS.includes(value.direction as string) &&
    KINDS.includes(value.kind as string) &&
    (value.mid === null || typeof value.mid === "string")
  );
}
