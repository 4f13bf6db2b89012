import type { ComponentChildren } from "preact";
import { guestLinkPin } from "../call/host-controls.ts";
import type { MeetingStore } from "../call/meeting-store.ts";
import { knockLinkPath } from "../call/room-link.ts";
import { ChartIcon, ChatIcon, KeyboardIcon, LinkIcon, LockIcon, PeopleIcon } from "./icons.tsx";
import { MeetingTimer } from "./meeting-timer.tsx";
import { useStore } from "./use-store.ts";

export type Panel = "diagnostics" | "security" | "chat" | "people";

interface MeetingBarProps {
  meeting: MeetingStore;
  /** People in the meeting, us included. */
  count: number;
  panel: Panel | null;
  onToggle: (panel: Panel) => void;
  onHelp: () => void;
  /** What a copy did, for the status line and the toast. */
  onCopied: (text: string) => void;
}

/** The bar above the meeting: its size, the two links to copy, the panels, the shortcuts. */
export function MeetingBar({ meeting, count, panel, onToggle, onHelp, onCopied }: MeetingBarProps) {
  const { group, roles } = useStore(meeting.e2ee);
  const { unread } = useStore(meeting.e2ee.activity);
  const copy = async (text: string, done: string, failed: string) => {
    try {
      await navigator.clipboard.writeText(text);
      onCopied(done);
    } catch {
      onCopied(failed);
    }
  };
  const copyLink = () =>
    copy(
      location.href,
      "Meeting link copied. Anyone with it can join.",
      "Could not copy. Copy the address from the address bar instead.",
    );
  /** A knock link: no invite secret; it pins our fingerprint if we are a host (docs/e2ee.md). */
  const copyGuestLink = () => {
    const path = knockLinkPath(meeting.access.roomId, guestLinkPin(group.roster, roles));
    return copy(
      new URL(path, location.href).href,
      "Guest link copied. People with it ask to join, and a host lets them in.",
      "Could not copy the guest link.",
    );
  };
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
        {count === 1 ? "1 person" : `${count} people`}
      </span>
      <MeetingTimer />
      <span class="spacer" />
      <button type="button" class="btn btn-ghost" onClick={() => void copyLink()}>
        <LinkIcon />
        <span class="btn-text">Copy link</span>
      </button>
      <button
        type="button"
        class="btn btn-ghost"
        aria-label="Copy guest link (they ask to join)"
        title="Copy a link for guests: they ask to join and a host lets them in"
        onClick={() => void copyGuestLink()}
      >
        <LinkIcon />
        <span class="btn-text" aria-hidden="true">
          Guest link
        </span>
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
