/** Line icons drawn inline (no icon font, no external request); always decorative. */
import type { ComponentChildren } from "preact";

/** One icon: its shapes, then (drawn last, as written before) the path `d` if any. */
function Icon({ d, children }: { d?: string; children?: ComponentChildren }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      {children}
      {d !== undefined && <path d={d} />}
    </svg>
  );
}

export const MicIcon = () => (
  <Icon d="M5 10v1a7 7 0 0 0 14 0v-1M12 18v4">
    <rect x="9" y="2" width="6" height="12" rx="3" />
  </Icon>
);

export const MicOffIcon = () => (
  <Icon d="M15 9.3V5a3 3 0 0 0-5.7-1.3M9 9v2a3 3 0 0 0 5.1 2.1M19 10v1a7 7 0 0 1-1 3.6M5 10v1a7 7 0 0 0 11.7 5.2M12 18v4M3 3l18 18" />
);

export const CameraIcon = () => (
  <Icon d="m16 10 6-3v10l-6-3z">
    <rect x="2" y="6" width="14" height="12" rx="2" />
  </Icon>
);

export const CameraOffIcon = () => (
  <Icon d="M16 16v1a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2h1M9.5 5H14a2 2 0 0 1 2 2v3.5l6-3.5v10M3 3l18 18" />
);

export const ScreenShareIcon = () => (
  <Icon d="M8 21h8M12 17v4M9 10.5l3-3 3 3M12 7.5V14">
    <rect x="2" y="4" width="20" height="13" rx="2" />
  </Icon>
);

export const GridIcon = () => (
  <Icon>
    <rect x="3" y="3" width="7.5" height="7.5" rx="1.5" />
    <rect x="13.5" y="3" width="7.5" height="7.5" rx="1.5" />
    <rect x="3" y="13.5" width="7.5" height="7.5" rx="1.5" />
    <rect x="13.5" y="13.5" width="7.5" height="7.5" rx="1.5" />
  </Icon>
);

export const SpeakerViewIcon = () => (
  <Icon>
    <rect x="2" y="3" width="14" height="18" rx="2" />
    <rect x="18" y="3" width="4" height="5" rx="1" />
    <rect x="18" y="10" width="4" height="5" rx="1" />
    <rect x="18" y="17" width="4" height="4" rx="1" />
  </Icon>
);

export const PinIcon = () => <Icon d="M12 17v5M9 3h6l-1 7 4 3v2H6v-2l4-3z" />;

export const ChevronLeftIcon = () => <Icon d="m15 18-6-6 6-6" />;

export const ChevronRightIcon = () => <Icon d="m9 18 6-6-6-6" />;

export const LeaveIcon = () => (
  <Icon d="M10 17l5-5-5-5M15 12H3M14 3h5a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-5" />
);

export const LinkIcon = () => (
  <Icon d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7">
    <path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7" />
  </Icon>
);

/** A person with a plus: someone new, who asks to join (the guest link, Invite). */
export const GuestIcon = () => (
  <Icon d="M2 21a7 7 0 0 1 14 0M19 8v6M16 11h6">
    <circle cx="9" cy="8" r="4" />
  </Icon>
);

export const CloseIcon = () => <Icon d="M6 6l12 12M18 6 6 18" />;

export const ChartIcon = () => <Icon d="M3 3v18h18M7 15l4-4 3 3 5-6" />;

export const LockIcon = () => (
  <Icon d="M8 11V7a4 4 0 0 1 8 0v4">
    <rect x="4" y="11" width="16" height="10" rx="2" />
  </Icon>
);

export const PeopleIcon = () => (
  <Icon d="M2 21a7 7 0 0 1 14 0M16 4a4 4 0 0 1 0 8M22 21a7 7 0 0 0-4-6.3">
    <circle cx="9" cy="8" r="4" />
  </Icon>
);

export const SlidersIcon = () => (
  <Icon>
    <path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0" />
    <circle cx="16" cy="6" r="2" />
    <circle cx="10" cy="12" r="2" />
    <circle cx="18" cy="18" r="2" />
  </Icon>
);

export const ChatIcon = () => <Icon d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.4A8 8 0 1 1 21 12z" />;

export const HandIcon = () => (
  <Icon d="M18 8a2 2 0 0 1 4 0v6a8 8 0 0 1-8 8h-2c-2.8 0-4.5-.9-6-2.4l-3.6-3.6a2 2 0 0 1 2.8-2.8L7 15">
    <path d="M18 11V6a2 2 0 0 0-4 0v5M14 10V4a2 2 0 0 0-4 0v6M10 10.5V6a2 2 0 0 0-4 0v8" />
  </Icon>
);

export const SmileIcon = () => (
  <Icon d="M8 14s1.5 2 4 2 4-2 4-2M9 9h.01M15 9h.01">
    <circle cx="12" cy="12" r="10" />
  </Icon>
);

export const RecordIcon = () => (
  <Icon>
    <circle cx="12" cy="12" r="9" />
    <circle cx="12" cy="12" r="4" fill="currentColor" />
  </Icon>
);

export const StopIcon = () => (
  <Icon>
    <rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor" />
  </Icon>
);

export const KeyboardIcon = () => (
  <Icon d="M6 9h.01M10 9h.01M14 9h.01M18 9h.01M6 13h.01M18 13h.01M10 13h4M7 16h10">
    <rect x="2" y="5" width="20" height="14" rx="2" />
  </Icon>
);

export const DownloadIcon = () => <Icon d="M12 3v12M7 10l5 5 5-5M5 21h14" />;

/** A shield with a tick: a person whose key this device compared and verified. */
export const VerifiedIcon = () => (
  <Icon d="M12 3 4 6v6c0 4.5 3.4 8.2 8 9 4.6-.8 8-4.5 8-9V6zM8.5 12l2.5 2.5 4.5-5" />
);

export const ClockIcon = () => (
  <Icon d="M12 7v5l3 2">
    <circle cx="12" cy="12" r="9" />
  </Icon>
);

/** A small window over a big one: picture-in-picture. */
export const PictureInPictureIcon = () => (
  <Icon d="M21 11V6a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h5">
    <rect x="13" y="14" width="9" height="7" rx="1" />
  </Icon>
);
