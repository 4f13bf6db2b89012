import { type Role, roleOf } from "../call/host-controls.ts";
import type { MeetingStore } from "../call/meeting-store.ts";
import type { RolesView, RosterEntry } from "../worker/reports.ts";
import { VerifiedBadge } from "./comparison/verified-badge.tsx";
import { type MenuItem, PersonMenu } from "./person-menu.tsx";

const ROLE_TEXT: Record<Role, string> = { host: "Host", "co-host": "Co-host", member: "" };

export interface PersonRowProps {
  meeting: MeetingStore;
  entry: RosterEntry;
  roles: RolesView | null;
  /** Our own role: hosts and co-hosts get the controls. */
  me: Role;
  handUp: boolean;
  /** Their microphone as they announced it; null when they are not in the call. */
  micOn: boolean | null;
  /** Remove and Remove and block ask first (ui/participants-panel.tsx holds the dialogs). */
  onRemove: (entry: RosterEntry) => void;
  onBlock: (entry: RosterEntry) => void;
}

/**
 * One person in the People panel: name, role, raised hand, microphone and device fingerprint; for
 * hosts and co-hosts the action that fits now (lower the hand, mute, or ask to unmute) and the
 * rest in the person's menu.
 */
export function PersonRow(props: PersonRowProps) {
  const { meeting, entry: r, roles, me, handUp, micOn } = props;
  const role = roleOf(r.fingerprint, roles);
  const host = meeting.host;
  const moderator = me !== "member" && !r.self;
  const more: MenuItem[] = [];
  if (moderator && me === "host" && role !== "host") {
    const on = role !== "co-host";
    more.push({
      label: on ? `Make ${r.name} co-host` : `Remove co-host ${r.name}`,
      onSelect: () => host.makeCoHost(r.fingerprint, on),
    });
  }
  if (moderator && me === "host") {
    more.push({
      label: `Make ${r.name} the host (you stay as a member)`,
      onSelect: () => host.transferHost(r.fingerprint),
    });
  }
  if (moderator) {
    more.push({
      label: `Remove ${r.name}`,
      danger: true,
      onSelect: () => props.onRemove(r),
    });
  }
  if (moderator && me === "host") {
    more.push({
      label: `Remove and block ${r.name}`,
      danger: true,
      onSelect: () => props.onBlock(r),
    });
  }
  return (
    <li class="person">
      <div class="person-head">
        <span class="person-name">{r.self ? `${r.name} (you)` : r.name}</span>
        {role !== "member" && <span class="role-badge">{ROLE_TEXT[role]}</span>}
        <VerifiedBadge meeting={meeting} member={r} />
        {handUp && <span class="hand-badge">Hand raised</span>}
        {micOn === false && <span class="mic-badge">Muted</span>}
      </div>
      <span class="fingerprint">{r.fingerprint}</span>
      {moderator && (
        <div class="person-actions">
          {handUp && (
            <button
              type="button"
              class="btn btn-small btn-primary"
              aria-label={`Lower ${r.name}’s hand`}
              onClick={() => void host.lowerHand(r.leaf, r.name)}
            >
              Lower hand
            </button>
          )}
          {micOn === false ? (
            <button
              type="button"
              class="btn btn-small"
              aria-label={`Ask ${r.name} to unmute`}
              onClick={() => host.askToUnmute(r.fingerprint, r.name)}
            >
              Ask to unmute
            </button>
          ) : (
            <button
              type="button"
              class="btn btn-small"
              aria-label={`Mute ${r.name}`}
              onClick={() => host.mute(r.fingerprint, r.name)}
            >
              Mute
            </button>
          )}
          <PersonMenu name={r.name} items={more} />
        </div>
      )}
    </li>
  );
}
