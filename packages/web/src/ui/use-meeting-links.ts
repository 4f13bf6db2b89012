import { guestLinkPin } from "../call/host-controls.ts";
import type { MeetingStore } from "../call/meeting-store.ts";
import { knockLinkPath } from "../call/room-link.ts";
import { useStore } from "./use-store.ts";

export interface MeetingLinks {
  /** The link people join with: the invite secret after the `#` (docs/e2ee.md). */
  readonly meetingLink: string;
  copyLink(): Promise<void>;
  copyGuestLink(): Promise<void>;
}

/**
 * The meeting's two links and their copy actions, for the header and the invite prompt. `onCopied`
 * gets what a copy did, for the status line and the toast.
 */
export function useMeetingLinks(
  meeting: MeetingStore,
  onCopied: (text: string) => void,
): MeetingLinks {
  const { group, roles } = useStore(meeting.e2ee);
  const copy = async (text: string, done: string, failed: string) => {
    try {
      await navigator.clipboard.writeText(text);
      onCopied(done);
    } catch {
      onCopied(failed);
    }
  };
  return {
    meetingLink: location.href,
    copyLink: () =>
      copy(
        location.href,
        "Meeting link copied. Anyone with it can join.",
        "Could not copy. Copy the address from the address bar instead.",
      ),
    /** A knock link: no invite secret; it pins our fingerprint if we are a host (docs/e2ee.md). */
    copyGuestLink: () => {
      const path = knockLinkPath(meeting.access.roomId, guestLinkPin(group.roster, roles));
      return copy(
        new URL(path, location.href).href,
        "Guest link copied. People with it ask to join, and a host lets them in.",
        "Could not copy the guest link.",
      );
    },
  };
}
