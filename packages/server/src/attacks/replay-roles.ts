import { readFraming } from "@conclave/delivery-service";
import { fromBase64url, type RoomId, type ServerMessage } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

type CommitRelay = Extract<ServerMessage, { type: "mls-commit" }>;

/**
 * The server undoes a host's decision by replaying it: every commit that changes the roles or
 * settings (a GroupContextExtensions commit, such as `setLocked`) is followed, for each member, by
 * every earlier such commit of the room. After a lock and an unlock, members get the lock again,
 * signed by the host and valid for its epoch. They must refuse it (its epoch is behind theirs):
 * the meeting stays unlocked and an invited joiner still gets in (docs/e2ee.md "Roles and
 * settings").
 */
export function replayRoles(): Attack {
  const rolesCommits = new Map<RoomId, CommitRelay[]>();
  return {
    outbound(to, message, applied) {
      if (message.type !== "mls-commit" || !changesRoles(message)) return [message];
      const earlier = rolesCommits.get(to.room) ?? [];
      if (!earlier.some((m) => m.commit === message.commit)) {
        rolesCommits.set(to.room, [...earlier, message]);
      }
      const replays = earlier.filter((m) => m.epoch < message.epoch);
      for (const _ of replays) applied();
      return [message, ...replays];
    },
  };
}

function changesRoles(message: CommitRelay): boolean {
  const bytes = fromBase64url(message.commit);
  const read = bytes === null ? undefined : readFraming(bytes);
  return read?.ok === true && read.framing.kind === "commit" && read.framing.settings !== undefined;
}
