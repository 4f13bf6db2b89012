import type { RoomId } from "@conclave/protocol";

/** Where one meeting lives, as the primary knows it. */
interface Route {
  readonly worker: number;
  /** The client address that opened it: its rooms-cap share (capacity.ts) is given back with it. */
  readonly opener: string;
  /** Joins routed to it whose outcome the worker has not reported yet. */
  pending: number;
  /** Connections seated in it (joined or knocking). */
  connections: number;
}

/** A worker as placement weighs it. */
export interface WorkerLoad {
  readonly index: number;
  /** Started and said it is ready. */
  readonly ready: boolean;
  /** Its event loop lags: it refuses new joins (event-loop-load.ts), so it gets no new meeting. */
  readonly overloaded: boolean;
}

/**
 * Which worker each open meeting lives on: one worker per meeting, so everything of it (held
 * places, resume tokens, knocks, its Delivery Service and SFU room) is in one process, and every
 * join for it, a resume included, reaches that process. A meeting that is not open anywhere is
 * placed on the least loaded worker: not overloaded, then the least forwarding work, counted as the
 * sum over its meetings of the square of their connections (each of n people receives the other
 * n-1), then the lowest index.
 *
 * A route stays while the meeting is open or a join for it is on its way to the worker: a meeting
 * that closed while a join was in flight opens again in the same worker when that join arrives, so
 * one room is never open on two workers. (With several machines this table becomes the meeting
 * lease in Redis; the routing around it stays.)
 */
export class Placement {
  private readonly routes = new Map<RoomId, Route>();

  /** The worker meeting `room` lives on, or null when it is open nowhere. */
  workerOf(room: RoomId): number | null {
    return this.routes.get(room)?.worker ?? null;
  }

  /** Picks the least loaded worker for a new meeting, or null when none is ready. */
  pick(workers: readonly WorkerLoad[]): number | null {
    const weight = new Map<number, number>();
    for (const route of this.routes.values()) {
      weight.set(route.worker, (weight.get(route.worker) ?? 0) + route.connections ** 2);
    }
    const ready = workers.filter((w) => w.ready);
    const ranked = ready.sort(
      (a, b) =>
        Number(a.overloaded) - Number(b.overloaded) ||
        (weight.get(a.index) ?? 0) - (weight.get(b.index) ?? 0) ||
        a.index - b.index,
    );
    return ranked[0]?.index ?? null;
  }

  /** A new meeting goes to `worker`, opened by a join from `opener`. */
  open(room: RoomId, worker: number, opener: string): void {
    this.routes.set(room, { worker, opener, pending: 0, connections: 0 });
  }

  /** A join for `room` is on its way to its worker. */
  joinSent(room: RoomId): void {
    const route = this.routes.get(room);
    if (route) route.pending++;
  }

  /**
   * The worker handled a join for `room`: `seated` if the connection is in the meeting or its
   * lobby now, `open` whether the meeting is. Returns the opener whose room is given back when the
   * route ends here.
   */
  placed(room: RoomId, open: boolean, seated: boolean): string | null {
    const route = this.routes.get(room);
    if (!route) return null;
    route.pending = Math.max(0, route.pending - 1);
    if (seated) route.connections++;
    return open ? null : this.endIfIdle(room, route);
  }

  /** A seated connection of `room` ended. */
  left(room: RoomId): void {
    const route = this.routes.get(room);
    if (route) route.connections = Math.max(0, route.connections - 1);
  }

  /** The meeting closed in its worker; returns the opener whose room is given back, if it ended. */
  closed(room: RoomId): string | null {
    const route = this.routes.get(room);
    return route ? this.endIfIdle(room, route) : null;
  }

  /** The worker died: every route to it ends. Returns the openers, one per route. */
  lost(worker: number): string[] {
    const openers: string[] = [];
    for (const [room, route] of this.routes) {
      if (route.worker !== worker) continue;
      this.routes.delete(room);
      openers.push(route.opener);
    }
    return openers;
  }

  private endIfIdle(room: RoomId, route: Route): string | null {
    if (route.pending > 0) return null;
    this.routes.delete(room);
    return route.opener;
  }
}
