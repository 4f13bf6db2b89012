import { randomBytes } from "node:crypto";
import type { ParticipantId, RoomId, ServerMessage } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

type UploadRelay = Extract<ServerMessage, { type: "mls-key-package" }>;

/**
 * The server passes an old KeyPackage off as a new joiner's: once a participant has been added
 * (its Welcome went out), each of its uploads, proof and all, is relayed again with every later
 * upload, from a fresh participant id. The proof verifies (it is the joiner's own), so only the
 * members' replay check (a KeyPackageRef already added in this group) and MLS's unique leaf keys
 * stand between it and a second leaf for one device: it must never be added twice, and members
 * log `key-package-replayed` (docs/e2ee.md "What every client checks").
 */
export function replayKeyPackage(): Attack {
  const uploads = new Map<RoomId, Map<ParticipantId, UploadRelay[]>>();
  const used = new Map<RoomId, UploadRelay[]>();
  return {
    outbound(to, message, applied) {
      const room = uploads.get(to.room) ?? new Map<ParticipantId, UploadRelay[]>();
      uploads.set(to.room, room);
      if (message.type === "mls-welcome") {
        const added = room.get(to.id) ?? [];
        room.delete(to.id);
        used.set(to.room, [...(used.get(to.room) ?? []), ...added]);
        return [message];
      }
      if (message.type !== "mls-key-package") return [message];
      const own = room.get(message.from) ?? [];
      if (!own.some((u) => u.keyPackage === message.keyPackage)) {
        room.set(message.from, [...own, message]);
      }
      const replays = (used.get(to.room) ?? []).map((old) => ({ ...old, from: freshId() }));
      for (const _ of replays) applied();
      return [message, ...replays];
    },
  };
}

function freshId(): ParticipantId {
  return randomBytes(12).toString("base64url") as ParticipantId;
}
