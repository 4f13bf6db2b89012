import { randomBytes } from "node:crypto";
import type { ParticipantId } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

/**
 * The server shows someone who is not in the group: every `welcome` lists, besides the real
 * participants, a phantom with a fresh id that never uploads a KeyPackage and never holds a leaf.
 * It cannot give the phantom keys; members raise the unknown-participant alarm after 10 s
 * (docs/e2ee.md "Alarms").
 */
export const phantomParticipant: Attack = {
  outbound(_to, message, applied) {
    if (message.type !== "welcome") return [message];
    applied();
    const id = randomBytes(12).toString("base64url") as ParticipantId;
    const phantom = { id, leaf: null, audio: false, video: false };
    return [{ ...message, participants: [...message.participants, phantom] }];
  },
};
