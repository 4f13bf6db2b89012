/** Where a load process sends its participants: a Conclave meeting link, or a Janus VideoRoom. */
export type LoadTarget =
  | { readonly peer: "conclave"; readonly url: string }
  | { readonly peer: "janus"; readonly url: string; readonly room: number };

/** From the bench to a load process (load-worker.ts). */
export type LoadCommand =
  | { readonly type: "publish"; readonly target: LoadTarget; readonly names: readonly string[] }
  | {
      readonly type: "subscribe";
      readonly target: LoadTarget;
      readonly names: readonly string[];
      /** Janus only: every publisher's feed id, from all load processes. */
      readonly feeds: readonly number[];
    }
  | { readonly type: "sample" }
  | { readonly type: "stop" };

/** Counters since the process started. */
export interface LoadSample {
  /** RTP packets its publishers sent. */
  readonly sent: number;
  /** RTP packets its receivers got. */
  readonly delivered: number;
  /** Streams (SSRCs per receiving connection) that got at least one packet. */
  readonly streams: number;
  /** CPU time the load process used. */
  readonly cpuSeconds: number;
}

/** From a load process to the bench. */
export type LoadReply =
  | { readonly type: "ready" }
  | { readonly type: "published"; readonly feeds: readonly number[] }
  | { readonly type: "subscribed" }
  | ({ readonly type: "sample" } & LoadSample)
  | { readonly type: "stopped" }
  | { readonly type: "failed"; readonly message: string };
