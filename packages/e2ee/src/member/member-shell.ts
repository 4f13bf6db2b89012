// The thin shell around the member engine's handlers: one serial queue (every server message,
// timer and request is handled to the end, crypto included, before the next, so commits apply
// strictly in epoch order), one timer, the key ring, the event emitter, and the effects handlers
// ask for, performed in their order. After each job the future-epoch queue is drained, commit
// turns decide and the unknown-participant alarm is checked. Nothing here decides anything.
import {
  createMediaKeyRing,
  type MediaKeyRing,
  type MediaKeyRingOptions,
} from "../media-keys/key-ring.ts";
import { eraseEpochMediaKeys } from "../media-keys/key-schedule.ts";
import { NonceLedger } from "../media-keys/nonce-ledger.ts";
import { eraseConsumed } from "../mls/session.ts";
import { decide } from "./commit-turns.ts";
import { nextWake, tick } from "./deadlines.ts";
import { Draft } from "./draft.ts";
import { MemberEmitter } from "./events.ts";
import { drainQueue } from "./future-queue.ts";
import { bundleSecrets, forgetState } from "./joining.ts";
import type { Ctx, Effect, MemberState, MlsClientMessage } from "./member-state.ts";
import { reasonOf } from "./session-policy.ts";
import { watchUnknown } from "./unknown-alarm.ts";

export interface MemberTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ShellIo {
  readonly send: (message: MlsClientMessage) => void;
  readonly timers: MemberTimers;
  readonly ring: Omit<MediaKeyRingOptions, "now" | "ledger"> | undefined;
}

export class MemberShell {
  readonly events = new MemberEmitter();
  #state: MemberState;
  /** close() was called: for good, whatever a job still running sets the status to. */
  #closed = false;
  // One ledger for the engine's life: a ring made after a rollback never restarts a counter or a
  // replay window of keys it installs again (media-keys/nonce-ledger.ts).
  readonly #ledger = new NonceLedger();
  #ring: MediaKeyRing;
  #chain: Promise<void> = Promise.resolve();
  #timer: { handle: unknown; at: number } | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;

  constructor(
    state: MemberState,
    private readonly ctx: Ctx,
    private readonly io: ShellIo,
  ) {
    this.#state = state;
    this.#ring = this.#newRing();
  }

  get state(): MemberState {
    return this.#state;
  }

  get ring(): MediaKeyRing {
    return this.#ring;
  }

  /**
   * Runs `job` in its turn on the serial queue, then what follows every job; resolves with what
   * the job returned (`fallback` if it never ran: the engine was closed).
   */
  enqueue<T>(job: (d: Draft) => T | Promise<T>, fallback: T): Promise<T> {
    let result = fallback;
    const run = this.#chain.then(async () => {
      if (this.#closed) return;
      await this.#apply(async (d) => {
        result = await job(d);
      });
      await this.#apply((d) => drainQueue(d, this.ctx));
      await this.#apply((d) => decide(d, this.ctx));
      await this.#apply((d) => watchUnknown(d, this.ctx));
      // A job that was running when close() came may have taken up a group again: drop it.
      if (this.#closed) this.#shutDown();
      else this.#reschedule();
    });
    this.#chain = run;
    return run.then(() => result);
  }

  /** Resolves once every job queued so far, and those they queued, has been handled. */
  async idle(): Promise<void> {
    for (;;) {
      const seen = this.#chain;
      await seen;
      if (seen === this.#chain) return;
    }
  }

  close(): void {
    this.#closed = true;
    this.#shutDown();
  }

  /** One handler over the current state; the state moves on, then its effects are performed. */
  async #apply(handler: (d: Draft) => Promise<void> | void): Promise<void> {
    const d = new Draft(this.#state);
    try {
      await handler(d);
    } catch (error) {
      // Handling never throws: what the handler did so far stands, and the failure is reported.
      d.report("LOCAL_FAILURE", reasonOf(error));
    }
    const step = d.step();
    this.#state = step.state;
    await this.#perform(step.effects);
  }

  async #perform(effects: readonly Effect[]): Promise<void> {
    for (const effect of effects) {
      try {
        await this.#do(effect);
      } catch (error) {
        this.events.emit("error", { code: "LOCAL_FAILURE", message: reasonOf(error) });
      }
    }
  }

  async #do(effect: Effect): Promise<void> {
    switch (effect.kind) {
      case "send":
        if (!this.#closed) this.io.send(effect.message);
        return;
      case "emit":
        this.events.emit(effect.name, effect.value as never);
        return;
      case "wake":
        this.#wakeAt = Math.min(this.#wakeAt, effect.at);
        return;
      case "erase":
        eraseConsumed(effect.secrets);
        return;
      case "new-ring":
        this.#ring.close();
        this.#ring = this.#newRing();
        this.events.emit("key-ring", this.#ring);
        return;
      case "close-ring":
        this.#ring.close();
        return;
      case "install-keys":
        try {
          await this.#ring.installEpoch(effect.keys);
        } finally {
          eraseEpochMediaKeys(effect.keys);
        }
        return;
    }
  }

  #newRing(): MediaKeyRing {
    return createMediaKeyRing({ ...this.io.ring, now: this.ctx.now, ledger: this.#ledger });
  }

  #reschedule(): void {
    const at = nextWake(this.#state, this.ctx, this.#wakeAt);
    this.#wakeAt = Number.POSITIVE_INFINITY;
    const timer = this.#timer;
    if (timer !== undefined && timer.at === at) return;
    if (timer !== undefined) this.io.timers.clearTimeout(timer.handle);
    this.#timer = undefined;
    if (!Number.isFinite(at)) return;
    const handle = this.io.timers.setTimeout(
      () => {
        this.#timer = undefined;
        void this.enqueue((d) => tick(d, this.ctx), undefined);
      },
      Math.max(0, at - this.ctx.now()),
    );
    this.#timer = { handle, at };
  }

  /** What close() does; again after a job that was still running when it came. */
  #shutDown(): void {
    if (this.#timer !== undefined) this.io.timers.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
    const d = new Draft(this.#state);
    forgetState(d, this.ctx);
    d.erase(d.state.bundles.flatMap(bundleSecrets));
    d.set({ bundles: [], status: "closed" });
    const step = d.step();
    this.#state = step.state;
    // Nothing here waits: no keys are installed while closing.
    void this.#perform(step.effects);
  }
}
