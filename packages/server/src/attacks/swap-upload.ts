import { readFraming } from "@conclave/delivery-service";
import {
  createDeviceIdentity,
  type DeviceIdentity,
  loadMlsCiphersuite,
  makeKeyPackage,
} from "@conclave/e2ee";
import { fromBase64url, type ParticipantId, type RoomId, toBase64url } from "@conclave/protocol";
import type { Attack, AttackedSession } from "./attack.ts";

/**
 * The server swaps the device a host admits: the first commit in each room that adds someone is
 * neither ordered nor relayed; its committer is told it lost the race (`mls-commit-refused`), and
 * every member is sent a new upload under each added participant's id: a KeyPackage of the
 * server's own device. A host's retry must commit only the KeyPackage its card showed; the changed
 * upload drops the request and shows a new card (docs/e2ee.md "Admission"), so the server's
 * device is never added.
 */
export function swapUpload(): Attack {
  let identity: Promise<DeviceIdentity> | undefined;
  const sessions = new Map<RoomId, Map<ParticipantId, AttackedSession>>();
  /** Who uploaded each init key (hex), by room. */
  const uploaders = new Map<RoomId, Map<string, ParticipantId>>();
  const swapped = new Set<RoomId>();
  return {
    outbound(to, message) {
      const room = sessions.get(to.room) ?? new Map<ParticipantId, AttackedSession>();
      sessions.set(to.room, room);
      room.set(to.id, to);
      if (message.type === "mls-key-package") {
        const bytes = fromBase64url(message.keyPackage);
        const read = bytes === null ? undefined : readFraming(bytes);
        if (read?.ok && read.framing.kind === "key-package") {
          const byKey = uploaders.get(to.room) ?? new Map<string, ParticipantId>();
          uploaders.set(to.room, byKey);
          byKey.set(read.framing.initKey, message.from);
        }
      }
      return [message];
    },
    async inbound(from, message, applied) {
      if (message.type !== "mls-commit" || swapped.has(from.room)) return message;
      const bytes = fromBase64url(message.commit);
      const read = bytes === null ? undefined : readFraming(bytes);
      if (!read?.ok || read.framing.kind !== "commit" || read.framing.adds.length === 0) {
        return message;
      }
      const byKey = uploaders.get(from.room);
      const added = read.framing.adds.flatMap((key) => byKey?.get(key) ?? []);
      if (added.length === 0) return message;
      swapped.add(from.room);
      applied();
      from.send({ type: "mls-commit-refused", epoch: message.epoch, reason: "stale epoch" });
      identity ??= loadMlsCiphersuite().then((suite) =>
        createDeviceIdentity({ displayName: "Guest", deviceId: "server-device" }, suite),
      );
      const device = await identity;
      for (const participant of added) {
        const bundle = await makeKeyPackage(device, await loadMlsCiphersuite());
        const relay = {
          type: "mls-key-package",
          from: participant,
          keyPackage: toBase64url(bundle.encoded),
        } as const;
        for (const [id, session] of sessions.get(from.room) ?? []) {
          if (id !== participant) session.send(relay);
        }
      }
      return null;
    },
  };
}
