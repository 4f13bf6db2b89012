// The SFrame KID for MLS-keyed media (RFC 9605 §5.2):
//
//   KID = (context << (S + E)) + (sender_index << E) + (epoch % (1 << E))
//
// with fixed widths rather than the RFC's "smallest S for the group size", so that a KID's layout
// never depends on how large the group was in some epoch:
//
//   bits 19..16  context (4 bits)   the stream: stream-context.ts
//   bits 15..4   sender  (12 bits)  the sender's MLS leaf index, 0..4095
//   bits  3..0   epoch   (4 bits)   the low 4 bits of the MLS epoch: 16 epochs can be told apart
//
// Every KID is below 2^20, so the SFrame header spends 3 bytes on it (RFC 9605 §4.3).
import { E2eeUsageError } from "../errors.ts";
import { STREAM_CONTEXTS, type StreamContext, streamContextFromId } from "./stream-context.ts";

export const KID_EPOCH_BITS = 4;
export const KID_SENDER_BITS = 12;
export const KID_CONTEXT_BITS = 4;
/** Largest leaf index that fits the sender field. */
export const MAX_KID_SENDER = (1 << KID_SENDER_BITS) - 1;
/** Every KID is below this bound. */
export const KID_LIMIT = 1n << BigInt(KID_EPOCH_BITS + KID_SENDER_BITS + KID_CONTEXT_BITS);

const E = BigInt(KID_EPOCH_BITS);
const S = BigInt(KID_SENDER_BITS);
const EPOCH_MASK = (1n << E) - 1n;
const SENDER_MASK = (1n << S) - 1n;

export interface KidParts {
  readonly stream: StreamContext;
  readonly sender: number;
  /** the epoch's low KID_EPOCH_BITS bits */
  readonly epochBits: number;
}

/** The low bits of an epoch that a KID carries. */
export function epochBitsOf(epoch: bigint): number {
  return Number(epoch & EPOCH_MASK);
}

/** The KID of `sender`'s `stream` in `epoch`. Throws E2eeUsageError if a field does not fit. */
export function encodeKid(stream: StreamContext, sender: number, epoch: bigint): bigint {
  const context = STREAM_CONTEXTS[stream];
  if (context === undefined) throw new E2eeUsageError(`unknown stream ${String(stream)}`);
  if (!Number.isInteger(sender) || sender < 0 || sender > MAX_KID_SENDER) {
    throw new E2eeUsageError(`sender leaf index must be in [0, ${MAX_KID_SENDER}]`);
  }
  if (epoch < 0n) throw new E2eeUsageError("epoch must not be negative");
  return (BigInt(context) << (S + E)) | (BigInt(sender) << E) | (epoch & EPOCH_MASK);
}

/** The fields of a KID, or undefined if it is out of range or names no known stream. */
export function decodeKid(kid: bigint): KidParts | undefined {
  if (kid < 0n || kid >= KID_LIMIT) return undefined;
  const stream = streamContextFromId(Number(kid >> (S + E)));
  if (stream === undefined) return undefined;
  return {
    stream,
    sender: Number((kid >> E) & SENDER_MASK),
    epochBits: Number(kid & EPOCH_MASK),
  };
}
