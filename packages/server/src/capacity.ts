import type { ErrorCode } from "@conclave/protocol";
import { Refusal } from "./refusal.ts";

/** The caps of one kind of thing: on the whole server and per client address. */
export interface Cap {
  readonly total: number;
  readonly perAddress: number;
}

/**
 * How much of one thing (connections, rooms, held bytes) the server and each client address hold
 * now. Per-address counts are keyed by `addressKey` (client-address.ts), so a stranger's share is
 * its own, and forgotten once it holds nothing.
 */
export class Tally {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(readonly cap: Cap) {}

  get used(): number {
    return this.total;
  }

  /** Which cap taking `amount` more for `address` would break, or null (then it is taken). */
  take(address: string, amount = 1): "total" | "address" | null {
    const mine = this.byAddress.get(address) ?? 0;
    if (this.total + amount > this.cap.total) return "total";
    if (mine + amount > this.cap.perAddress) return "address";
    this.total += amount;
    this.byAddress.set(address, mine + amount);
    return null;
  }

  give(address: string, amount = 1): void {
    const left = (this.byAddress.get(address) ?? 0) - amount;
    this.total -= amount;
    if (left > 0) this.byAddress.set(address, left);
    else this.byAddress.delete(address);
  }
}

/** What the server holds for strangers, capped (docs/operations.md "Caps"). */
export interface Caps {
  readonly connections: Cap;
  readonly rooms: Cap;
  readonly heldBytes: Cap;
}

/** The refusal for a connection or a room over its cap: a code the page can branch on. */
function refusal(code: ErrorCode, what: string, which: "total" | "address"): Refusal {
  return new Refusal(
    code,
    which === "total"
      ? `the server is at its limit of open ${what}; try again later`
      : `too many open ${what} from your network; try again later`,
  );
}

/**
 * The server's capacity: open connections, open meetings and the bytes held for members who
 * dropped, each capped in total and per client address.
 */
export class Capacity {
  readonly connections: Tally;
  readonly rooms: Tally;
  readonly heldBytes: Tally;

  constructor(caps: Caps) {
    this.connections = new Tally(caps.connections);
    this.rooms = new Tally(caps.rooms);
    this.heldBytes = new Tally(caps.heldBytes);
  }

  /** Takes a connection slot for `address`, or throws TOO_MANY_CONNECTIONS. */
  openConnection(address: string): void {
    const over = this.connections.take(address);
    if (over) throw refusal("TOO_MANY_CONNECTIONS", "connections", over);
  }

  /** Takes a room for the `address` that opens it, or throws TOO_MANY_ROOMS. */
  openRoom(address: string): void {
    const over = this.rooms.take(address);
    if (over) throw refusal("TOO_MANY_ROOMS", "meetings", over);
  }
}
