import type { ServerMessage } from "@conclave/protocol";
import { BotError, ServerRefusedError } from "./errors.ts";

/**
 * The bot asks the server one thing at a time and waits for its answer: `join` for `welcome`,
 * `publish` for `publish-answer`. This holds that one wait, so the bot's message handler can hand
 * each message here first and act on it only if it answers nothing.
 */

/** Errors about MLS messages the engine sent: the engine handles them; they refuse no request. */
const MLS_ERRORS: ReadonlySet<string> = new Set(["GROUP_EXISTS", "NOT_A_MEMBER", "BAD_MLS"]);

type Pending = {
  resolve: (message: ServerMessage) => void;
  reject: (error: Error) => void;
  types: readonly ServerMessage["type"][];
};

export class AwaitedReply {
  private pending: Pending | null = null;

  /** Resolves with the next message of one of `types`; an `error` from the server rejects. */
  expect(types: readonly ServerMessage["type"][], timeoutMs: number): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new BotError("CONNECTION_FAILED", `no ${types.join("/")} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending = {
        types,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /**
   * Settles the wait with `message` if it is the reply, or a refusal (an `error` that is not about
   * MLS). True if it did: the message is then taken and nobody else acts on it.
   */
  settle(message: ServerMessage): boolean {
    const pending = this.pending;
    const refusal = message.type === "error" && !MLS_ERRORS.has(message.code);
    if (!pending || !(pending.types.includes(message.type) || refusal)) return false;
    this.pending = null;
    if (message.type === "error") {
      pending.reject(new ServerRefusedError(message.code, message.message));
    } else pending.resolve(message);
    return true;
  }

  /** The connection ended: the wait, if any, fails with `error`. */
  fail(error: Error): void {
    this.pending?.reject(error);
    this.pending = null;
  }
}
