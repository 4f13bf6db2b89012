// Host commands carried as application messages (app-message.ts): ask a member to unmute, mute a
// member, mute everyone, end the meeting. MLS has authenticated the sender's leaf; what it may ask
// depends on the role its fingerprint holds in the current group context's roles
// (admission/meeting-roles.ts), never on its leaf index or a claim in the message. A command from
// a role that may not send it is refused and is a line of the security log.
import type { Fingerprint } from "../admission/fingerprint.ts";
import { type MeetingRoles, type Role, roleOf } from "../admission/meeting-roles.ts";
import type { HostRequestMessage } from "./app-message.ts";

/** What a receiver is asked to do, once the sender is known to be allowed. */
export type HostCommand = "ask-unmute" | "mute" | "end-meeting";

export type HostCommandVerdict =
  /** act on it: the sender may send it and it concerns us */
  | { readonly kind: "act"; readonly command: HostCommand }
  /** allowed, but for someone else */
  | { readonly kind: "not-for-us" }
  /** the sender's role may not send it: a security event */
  | { readonly kind: "refused"; readonly detail: string };

/** Whether `role` may send `t`: hosts and co-hosts mute and ask; only a host ends the meeting. */
export function mayCommand(role: Role, t: HostRequestMessage["t"]): boolean {
  if (t === "end-meeting") return role === "host";
  return role === "host" || role === "co-host";
}

export function judgeHostCommand(
  roles: MeetingRoles,
  sender: Fingerprint,
  self: Fingerprint,
  message: HostRequestMessage,
): HostCommandVerdict {
  const role = roleOf(roles, sender);
  if (!mayCommand(role, message.t)) {
    return { kind: "refused", detail: `${message.t} from a ${role}` };
  }
  switch (message.t) {
    case "ask-unmute":
    case "mute":
      return message.to === self ? { kind: "act", command: message.t } : { kind: "not-for-us" };
    case "mute-all":
      return { kind: "act", command: "mute" };
    case "end-meeting":
      return { kind: "act", command: "end-meeting" };
  }
}
