/**
 * The per-frame step of an encoded transform. Today it passes frames through; the SFrame
 * encryptor (send) and decryptor (recv) implement the same interface and replace it, so the
 * pipeline, counting and reporting around it stay as they are.
 *
 * The per-frame path never throws (STYLE.md): a processor returns a verdict, and a dropped frame
 * is counted, never handed to the packetiser or the decoder.
 */

import type { MediaKind, TransformDirection } from "./messages.ts";

export type EncodedFrame = RTCEncodedAudioFrame | RTCEncodedVideoFrame;

export type DropReason = "decrypt-failed" | "unknown-key" | "replay" | "internal";

export type FrameVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: DropReason };

/** Which stream a frame belongs to. */
export interface FrameContext {
  readonly direction: TransformDirection;
  readonly kind: MediaKind;
  /**
   * For received frames, the participant the server says this m-line carries. A decryptor drops a
   * frame whose SFrame KID names another sender (DESIGN.md T6); null for sent frames.
   */
  readonly participantId: string | null;
}

export interface FrameProcessor {
  /** May replace `frame.data` (e.g. with ciphertext) before answering. */
  process(frame: EncodedFrame, context: FrameContext): FrameVerdict | Promise<FrameVerdict>;
}

const PASS: FrameVerdict = { ok: true };

/** Leaves every frame as it is. */
export const passThrough: FrameProcessor = {
  process: () => PASS,
};
