import type { ComponentChildren } from "preact";
import type { MeetingStore } from "../call/meeting-store.ts";
import {
  ChartIcon,
  ChatIcon,
  GuestIcon,
  KeyboardIcon,
  LinkIcon,
  LockIcon,
  PeopleIcon,
} from "./icons.tsx";
import { MeetingTimer } from "./meeting-timer.tsx";
import type { MeetingLinks } from "./use-meeting-links.ts";
import { useStore } from "./use-store.ts";

export type Panel = "diagnostics" | "security" | "chat" | "people";

interface MeetingBarProps {
  meeting: MeetingStore;
  /** People in the encrypted group, us included; null while we are not in it. */
  count: number | null;
  panel: Panel | null;
  onToggle: (panel: Panel) => void;
  onHelp: () => void;
  links: MeetingLinks;
  /** Whether the invite prompt shows: the phone's Invite button toggles it. */
  inviting: boolean;
  onInvite: () => void;
}

/**
 * The bar above the meeting: its size, the lock, the two links to copy (on a phone, one Invite
 * button that explains both), the panels, the shortcuts.
 */
export function MeetingBar(props: MeetingBarProps) {
  const { meeting, count, panel, onToggle, onHelp, links } = props;
  const { roles } = useStore(meeting.e2ee);
  const { unread } = useStore(meeting.e2ee.activity);
  const panelButton = (which: Panel, icon: ComponentChildren, label: string) => (
    <button
      type="button"
      class="btn btn-ghost"
      aria-expanded={panel === which}
      aria-describedby={which === "chat" && unread > 0 ? "chat-unread" : undefined}
      onClick={() => onToggle(which)}
    >
      {icon}
      <span class="btn-text">{label}</span>
      {which === "chat" && unread > 0 && (
        <span class="badge" aria-hidden="true">
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </button>
  );
  return (
    <header class="meeting-bar">
      <h1 class="meeting-title">Conclave</h1>
      <span class="count" aria-live="off">
        <PeopleIcon />
        {count === null ? "Joining…" : count === 1 ? "1 person" : `${count} people`}
      </span>
      <MeetingTimer />
      {roles?.locked && (
        <span class="lock-badge" title="Locked: nobody new can join until a host unlocks it">
          <LockIcon />
          <span class="lock-text">Locked</span>
        </span>
      )}
      <span class="spacer" />
      <button
        type="button"
        class="btn btn-ghost copy-button"
        title="Copy the meeting link: anyone with it joins at once"
        onClick={() => void links.copyLink()}
      >
        <LinkIcon />
        <span class="btn-text">Copy link</span>
      </button>
      <button
        type="button"
        class="btn btn-ghost copy-button"
        aria-label="Copy guest link (they ask to join)"
        title="Copy a link for guests: they ask to join and a host lets them in"
        onClick={() => void links.copyGuestLink()}
      >
        <GuestIcon />
        <span class="btn-text" aria-hidden="true">
          Guest link
        </span>
      </button>
      <button
        type="button"
        class="btn btn-ghost invite-button"
        aria-expanded={props.inviting}
        onClick={props.onInvite}
      >
        <GuestIcon />
        <span class="invite-text">Invite</span>
      </button>
      {panelButton("people", <PeopleIcon />, "People")}
      {panelButton("security", <LockIcon />, "Security")}
      {panelButton("chat", <ChatIcon />, "Chat")}
      {unread > 0 && (
        <span id="chat-unread" class="sr-only">
          {unread === 1 ? "1 unread message" : `${unread} unread messages`}
        </span>
      )}
      {panelButton("diagnostics", <ChartIcon />, "Diagnostics")}
      <button
        type="button"
        class="btn btn-ghost shortcuts-button"
        title="Keyboard shortcuts (?)"
        onClick={onHelp}
      >
        <KeyboardIcon />
        <span class="sr-only">Keyboard shortcuts</span>
      </button>
    </header>
  );
}
