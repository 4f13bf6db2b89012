// How far each epoch's SFrame keys have been used, kept apart from any key ring. A ring is replaced
// after a rollback or a rejoin; if the same epoch's keys were then installed again (a withdrawn
// commit delivered again: MLS is deterministic, so its keys come back identical), a fresh ring
// would restart every counter at 0 and reuse nonces under AES-GCM, and fresh replay windows would
// take old frames again. The member engine keeps one ledger for its lifetime and hands it to each
// ring it makes: per epoch (named by its epoch authenticator, RFC 9420 §8.7, which two epochs share
// only if they share their secrets) and KID, one KeyProgress that every install of that key uses.
//
// It is defence in depth: the engine never adopts a withdrawn commit again (docs/e2ee.md). It keeps
// the latest `maxEpochs` epochs; a rollback can only withdraw the latest commit.
import { E2eeUsageError } from "../errors.ts";
import { toHex } from "../sframe/bytes.ts";
import type { KeyProgress } from "../sframe/context.ts";
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from "../sframe/replay-window.ts";

export const DEFAULT_LEDGER_EPOCHS = 32;

export class NonceLedger {
  readonly #epochs = new Map<string, Map<bigint, KeyProgress>>();
  readonly #maxEpochs: number;
  readonly #windowSize: number;

  constructor(maxEpochs = DEFAULT_LEDGER_EPOCHS, windowSize = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(maxEpochs) || maxEpochs < 2) {
      throw new E2eeUsageError("a nonce ledger keeps at least two epochs");
    }
    new ReplayWindow(windowSize); // validates the size now
    this.#maxEpochs = maxEpochs;
    this.#windowSize = windowSize;
  }

  /** The progress of `kid` in the epoch with this authenticator; the same object every time. */
  progressOf(epochAuthenticator: Uint8Array, kid: bigint): KeyProgress {
    const id = toHex(epochAuthenticator);
    let epoch = this.#epochs.get(id);
    if (epoch === undefined) {
      epoch = new Map();
      this.#epochs.set(id, epoch);
      for (const oldest of this.#epochs.keys()) {
        if (this.#epochs.size <= this.#maxEpochs) break;
        this.#epochs.delete(oldest);
      }
    }
    let progress = epoch.get(kid);
    if (progress === undefined) {
      progress = { nextCtr: 0n, window: new ReplayWindow(this.#windowSize) };
      epoch.set(kid, progress);
    }
    return progress;
  }

  /** How many epochs it remembers (for tests). */
  get size(): number {
    return this.#epochs.size;
  }
}
