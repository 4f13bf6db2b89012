import {
  addMembers,
  createDeviceIdentity,
  createMeeting,
  type DeviceIdentity,
  loadMlsCiphersuite,
} from "@conclave/e2ee";
import { fromBase64url, toBase64url } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

/**
 * The server seats a joiner in a group of its own: acting as a member with an MLS identity of its
 * own, it keeps each upload from the real members and answers it with a Welcome to a group it
 * founded for the purpose. The group is valid MLS, with the pin and roles, but the server cannot
 * tag its Welcome (it has no admit key), so an invited joiner must refuse it
 * (`welcome-tag-invalid`) and go on waiting for the real group.
 */
export function fakeGroup(): Attack {
  let identity: Promise<DeviceIdentity> | undefined;
  return {
    async inbound(from, message, applied) {
      if (message.type !== "mls-key-package") return message;
      const keyPackage = fromBase64url(message.keyPackage);
      if (keyPackage === null) return message;
      identity ??= loadMlsCiphersuite().then((suite) =>
        createDeviceIdentity({ displayName: "Meeting host", deviceId: "server" }, suite),
      );
      const founded = await createMeeting(await identity);
      const added = await addMembers(founded.session, [keyPackage]).catch(() => undefined);
      if (added === undefined) return message;
      applied();
      from.send({ type: "mls-welcome", welcome: toBase64url(added.welcome) });
      return null;
    },
  };
}
