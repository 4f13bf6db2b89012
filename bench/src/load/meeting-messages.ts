/** From bench:meeting to one of its load processes (meeting-worker.ts). */
export type MeetingCommand =
  | {
      readonly type: "join";
      readonly url: string;
      readonly name: string;
      readonly publish: boolean;
      /** Tiles of the grid page every participant receives as (its own included). */
      readonly gridTiles: number;
      /** Whether a publisher is already in the meeting: then the joiner waits for its video. */
      readonly expectVideo: boolean;
      readonly timeoutMs: number;
    }
  | { readonly type: "downlink" }
  | { readonly type: "epochs" }
  | { readonly type: "stop" };

/** One participant's join, timed in its own process from joinBot() on. */
export interface JoinTiming {
  readonly name: string;
  /** Until `welcome` and the publish answer: joinBot() resolved. */
  readonly connectedMs: number | null;
  /** Until the first video frame it decrypted; null when none was expected or none came. */
  readonly firstFrameMs: number | null;
  readonly error: string | null;
}

/** What a receiver's downlink carried since the process started, per stream. */
export interface Downlink {
  readonly owner: string;
  readonly streams: readonly {
    readonly video: boolean;
    readonly packets: number;
    readonly bytes: number;
    /** Sequence numbers from the first packet to the highest: packets that should have come. */
    readonly expected: number;
  }[];
}

/** From a load process to bench:meeting. */
export type MeetingReply =
  | { readonly type: "ready" }
  | ({ readonly type: "joined" } & JoinTiming)
  | {
      readonly type: "downlink";
      readonly downlinks: readonly Downlink[];
      readonly cpuSeconds: number;
    }
  | {
      readonly type: "epochs";
      /** Epoch of each participant that still runs its MLS engine (the publishers). */
      readonly epochs: readonly (string | null)[];
      /** Participants whose connection closed and did not come back. */
      readonly closed: number;
      readonly reconnections: number;
      /** The longest the process's thread was held, in ms. */
      readonly maxEventLoopDelayMs: number;
      /** The state of each running engine's participant's sending and receiving connections. */
      readonly connections: readonly string[];
    }
  | { readonly type: "stopped" }
  | { readonly type: "failed"; readonly message: string };
