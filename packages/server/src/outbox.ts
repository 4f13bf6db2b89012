import type { Attendee, CloseCode, Connection } from "./attendee.ts";

/**
 * The order between a meeting's writes to Redis and what its connections are sent, when several
 * machines share Redis (docs/architecture.md "Many machines"): a write runs after the writes
 * before it, and anything sent to a connection while a write is on its way goes out only once
 * every write before it is in Redis. So no client is told of a commit, a message or its resume
 * token before a node that takes over after this one died can find it. A write that Redis refuses
 * (this node lost the meeting's lease) or that fails stops the outbox: nothing queued goes out,
 * and `refused` is told once.
 */
export class Outbox {
  private chain: Promise<void> = Promise.resolve();
  /** Writes and sends queued and not yet run. */
  private waiting = 0;
  private stopped = false;

  constructor(
    /** A write was refused (null) or failed (its error): the meeting is no longer this node's. */
    private readonly refused: (error: unknown) => void,
    /** A queued send threw: a bug, logged; the outbox goes on. */
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Runs `write` once the writes before it are done; false or a throw stops the outbox. */
  write(write: () => Promise<boolean>): void {
    this.enqueue(async () => {
      let written: boolean;
      try {
        written = await write();
      } catch (error) {
        return this.stop(error);
      }
      if (!written) this.stop(null);
    });
  }

  /** Runs `action` now if nothing is queued, else after everything queued before it. */
  after(action: () => void): void {
    if (this.stopped) return;
    if (this.waiting === 0) action();
    else this.enqueue(async () => action());
  }

  /**
   * Waits for every write and send queued, those queued meanwhile too, then stops the outbox:
   * nothing is written or sent after. True unless a write was refused or failed.
   */
  async finish(): Promise<boolean> {
    do {
      await this.chain;
      // A message read just before its connection closed may still queue a write: one more turn.
      await new Promise((resolve) => setImmediate(resolve));
    } while (this.waiting > 0);
    const finished = !this.stopped;
    this.stopped = true;
    return finished;
  }

  /** The connection as a meeting uses it: what it is sent or told waits for the writes. */
  connection(connection: Connection): Connection {
    return {
      address: connection.address,
      send: (message, encoded) => this.after(() => connection.send(message, encoded)),
      resend: (raw) => this.after(() => connection.resend(raw)),
      close: (code: CloseCode, message) => this.after(() => connection.close(code, message)),
      release: (code: CloseCode, message) => this.after(() => connection.release(code, message)),
      // A client that gave its connection up, or a meeting abandoned: at once.
      drop: () => connection.drop(),
      seated: (attendee: Attendee) => connection.seated(attendee),
    };
  }

  private stop(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.refused(error);
  }

  private enqueue(step: () => Promise<void>): void {
    this.waiting++;
    this.chain = this.chain.then(async () => {
      try {
        if (!this.stopped) await step();
      } catch (error) {
        this.failed(error);
      } finally {
        this.waiting--;
      }
    });
  }
}
