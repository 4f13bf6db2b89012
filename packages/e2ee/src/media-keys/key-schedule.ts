// Media keys from MLS (RFC 9605 §5.2). Per epoch, one base key per SFrame suite in use:
//
//   base_key = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)
//
// The RFC derives no separate per-sender key: each sender and stream has its own KID (kid.ts), and
// the KID enters the SFrame key and salt derivation of §4.4.2
// (HKDF-Expand(HKDF-Extract("", base_key), "SFrame 1.0 Secret key " ‖ KID ‖ suite, Nk), likewise
// for the salt), which SframeContext.addKey performs. So `addKey(kid, base_key, usage)` with the
// epoch's base key is the whole of the RFC's schedule, and distinct KIDs give distinct keys.
//
// Audio and video use different suites (group-pin.ts) with different Nk (48 and 16 bytes); each
// gets its own export. The exporter binds the length (RFC 9420 §8.5 KDFLabel), so the two are
// independent.

import { E2eeUsageError } from "../errors.ts";
import type { GroupPin } from "../mls/group-pin.ts";
import { exportSecret, type MlsSession } from "../mls/session.ts";
import { cipherSuiteById } from "../sframe/suites.ts";
import type { MediaKind } from "./stream-context.ts";

export const SFRAME_BASE_KEY_LABEL = "SFrame 1.0 Base Key";

/** What the key schedule needs from an MLS epoch; mediaEpochSource() reads it off a session. */
export interface MediaEpochSource {
  readonly epoch: bigint;
  /** RFC 9420 §8.7: names the epoch's secrets (media-keys/nonce-ledger.ts keys progress by it) */
  readonly epochAuthenticator: Uint8Array;
  readonly ownLeafIndex: number;
  readonly memberLeafIndexes: readonly number[];
  readonly pin: GroupPin;
  exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array>;
}

export interface EpochMediaKeys {
  readonly epoch: bigint;
  /** the epoch's authenticator: one epoch's keys installed twice carry on from one progress */
  readonly epochAuthenticator: Uint8Array;
  readonly ownLeafIndex: number;
  /** every member's leaf index, ours included */
  readonly memberLeafIndexes: readonly number[];
  readonly pin: GroupPin;
  /** base_key per media kind; erase with eraseEpochMediaKeys once installed */
  readonly baseKeys: Readonly<Record<MediaKind, Uint8Array>>;
}

export function mediaEpochSource(session: MlsSession): MediaEpochSource {
  return {
    epoch: session.epoch,
    epochAuthenticator: session.state.keySchedule.epochAuthenticator,
    ownLeafIndex: session.ownLeafIndex,
    memberLeafIndexes: session.roster.map((entry) => entry.leafIndex),
    pin: session.pin,
    exportSecret: (label, context, length) => exportSecret(session, label, context, length),
  };
}

function nkOf(suiteId: number): number {
  const suite = cipherSuiteById(suiteId);
  if (suite === undefined) throw new E2eeUsageError(`unknown SFrame suite ${suiteId}`);
  return suite.nk;
}

/** The epoch's SFrame base keys (RFC 9605 §5.2). */
export async function deriveEpochMediaKeys(source: MediaEpochSource): Promise<EpochMediaKeys> {
  const empty = new Uint8Array(0);
  const [audio, video] = await Promise.all([
    source.exportSecret(SFRAME_BASE_KEY_LABEL, empty, nkOf(source.pin.audioSuite)),
    source.exportSecret(SFRAME_BASE_KEY_LABEL, empty, nkOf(source.pin.videoSuite)),
  ]);
  return {
    epoch: source.epoch,
    epochAuthenticator: source.epochAuthenticator.slice(),
    ownLeafIndex: source.ownLeafIndex,
    memberLeafIndexes: [...source.memberLeafIndexes],
    pin: source.pin,
    baseKeys: { audio, video },
  };
}

export function eraseEpochMediaKeys(keys: EpochMediaKeys): void {
  keys.baseKeys.audio.fill(0);
  keys.baseKeys.video.fill(0);
}
