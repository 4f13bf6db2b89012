import { CloseIcon, GuestIcon, LinkIcon } from "./icons.tsx";
import type { MeetingLinks } from "./use-meeting-links.ts";

/**
 * How to bring people in: the meeting link (it carries the key: whoever has it joins at once) and
 * the guest link (no key: they ask, and a host lets them in), each with its copy button and who to
 * send it to. Shown by itself while we are alone ("Your meeting's ready"), and from the header's
 * Invite button on a phone, where the two copy buttons would not fit.
 */
export function InvitePrompt(props: {
  links: MeetingLinks;
  /** We came with a guest link: we hold no meeting link to pass on. */
  guestOnly: boolean;
  alone: boolean;
  onClose: () => void;
}) {
  const { links, guestOnly, alone, onClose } = props;
  return (
    <section
      class="invite-prompt"
      aria-labelledby="invite-title"
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <div class="invite-head">
        <h2 id="invite-title">{alone ? "Your meeting’s ready" : "Invite people"}</h2>
        <button
          type="button"
          class="btn btn-ghost btn-icon"
          aria-label="Close the invite"
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </div>
      {!guestOnly && (
        <>
          <p id="invite-link-hint">
            Send the <strong>meeting link</strong> to people you trust: it holds the meeting’s key,
            and anyone with it joins at once.
          </p>
          <div class="invite-row">
            <input
              class="invite-link"
              type="text"
              readOnly
              aria-label="Meeting link"
              aria-describedby="invite-link-hint"
              value={links.meetingLink}
              onFocus={(e) => e.currentTarget.select()}
            />
            <button type="button" class="btn btn-primary" onClick={() => void links.copyLink()}>
              <LinkIcon />
              Copy meeting link
            </button>
          </div>
        </>
      )}
      <p id="invite-guest-hint">
        Send the <strong>guest link</strong> to anyone else: it has no key, so they ask to join and
        a host lets them in.
      </p>
      <button
        type="button"
        class="btn"
        aria-describedby="invite-guest-hint"
        onClick={() => void links.copyGuestLink()}
      >
        <GuestIcon />
        Copy guest link
      </button>
    </section>
  );
}
