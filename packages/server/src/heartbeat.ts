/**
 * Which sockets are gone (laptop closed, network lost), by the pings they leave unanswered: a
 * socket gone is treated as left. One ping every `intervalMs`; a socket that answered none of the
 * last three is gone (4-6 s of silence). On a loaded machine or a congested uplink a pong can take
 * longer than one interval, and a working connection cut there drops its person, who then resumes.
 * A beat that comes half an interval late or more means this process stalled (a starved machine):
 * pongs that came meanwhile may wait unread behind the timer, so that beat counts no miss.
 */
export const HEARTBEAT_MS = 2000;
/** Pings in a row a socket may leave unanswered and still count as there. */
const UNANSWERED_PINGS = 2;

export class Heartbeat<S extends object> {
  /** Pings each socket left unanswered since its last pong. */
  private readonly unanswered = new WeakMap<S, number>();
  private lastBeat: number;

  constructor(
    now: number,
    private readonly intervalMs = HEARTBEAT_MS,
  ) {
    this.lastBeat = now;
  }

  /** `socket` answered a ping (or just opened). */
  answered(socket: S): void {
    this.unanswered.set(socket, 0);
  }

  /** One beat at `now`: the sockets to ping now, and those gone. */
  beat(sockets: Iterable<S>, now: number): { ping: S[]; gone: S[] } {
    const stalled = now - this.lastBeat >= 1.5 * this.intervalMs;
    this.lastBeat = now;
    const ping: S[] = [];
    const gone: S[] = [];
    for (const socket of sockets) {
      const missed = (this.unanswered.get(socket) ?? 0) + (stalled ? 0 : 1);
      if (missed > UNANSWERED_PINGS) {
        gone.push(socket);
        continue;
      }
      this.unanswered.set(socket, missed);
      ping.push(socket);
    }
    return { ping, gone };
  }
}
