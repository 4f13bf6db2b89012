import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ownRole } from "../call/host-controls.ts";
import { onScreen } from "../call/local-recording.ts";
import type { MeetingState, MeetingStore } from "../call/meeting-store.ts";
import { knockLinkPath } from "../call/room-link.ts";
import { stageTiles } from "../call/stage-tiles.ts";
import { AudioOutputs } from "./audio-outputs.tsx";
import { ChatPanel } from "./chat-panel.tsx";
import { DevicePickers } from "./device-pickers.tsx";
import { Diagnostics } from "./diagnostics.tsx";
import { focusOnMount } from "./focus-on-mount.ts";
import { HostCommandPrompts } from "./host-command-prompts.tsx";
import {
  ChartIcon,
  ChatIcon,
  KeyboardIcon,
  LeaveIcon,
  LinkIcon,
  LockIcon,
  PeopleIcon,
  SlidersIcon,
} from "./icons.tsx";
import { KnockCards } from "./knock-cards.tsx";
import { EndedScreen, KnockWaiting, RemovedScreen } from "./lobby-screens.tsx";
import { MediaToggles } from "./media-toggles.tsx";
import { ParticipantsPanel } from "./participants-panel.tsx";
import { HandButton, RaisedHands } from "./raised-hands.tsx";
import { ReactionsButton } from "./reactions.tsx";
import { RecordButton, RecordingBanner } from "./recording.tsx";
import { ScreenShareButton } from "./screen-share-button.tsx";
import { AlarmBanners } from "./security-alarms.tsx";
import { SecurityPanel } from "./security-panel.tsx";
import { ShortcutsDialog } from "./shortcuts-dialog.tsx";
import { Stage } from "./stage.tsx";
import { useCallMonitor } from "./use-call-monitor.ts";
import { useShortcuts } from "./use-shortcuts.ts";
import { useSpeaking } from "./use-speaking.ts";
import { useStore } from "./use-store.ts";
import { KeyChangeBanners } from "./verification.tsx";

interface MeetingProps {
  meeting: MeetingStore;
  name: string;
  onRejoin: () => void;
  onHome: () => void;
  /** To the knock screen, when the hosts replaced the link we came with. */
  onAskToJoin: () => void;
}

export function Meeting({ meeting, name, onRejoin, onHome, onAskToJoin }: MeetingProps) {
  const state = useStore(meeting);
  const local = useStore(meeting.local);
  const worker = useStore(meeting.e2ee);
  const activity = useStore(meeting.e2ee.activity);
  const [panel, setPanel] = useState<"diagnostics" | "security" | "chat" | "people" | null>(null);
  const toggle = (which: "diagnostics" | "security" | "chat" | "people") =>
    setPanel(panel === which ? null : which);
  const [help, setHelp] = useState(false);
  const shortcuts = useShortcuts(meeting, {
    toggleChat: () => toggle("chat"),
    openHelp: () => setHelp(true),
  });
  const [devices, setDevices] = useState(false);
  const [copied, setCopied] = useState<string>("");
  const selfStream = useMemo(
    () => (local.videoTrack ? new MediaStream([local.videoTrack]) : null),
    [local.videoTrack],
  );
  const screen = useStore(meeting.screen);
  const ownScreen = useMemo(
    () => (screen.video ? new MediaStream([screen.video]) : null),
    [screen.video],
  );
  const monitor = useCallMonitor(meeting);

  const selfSpeaking = useSpeaking(local.audioTrack, local.mic === "on");
  const ghostAlarm = useLasting(state.membersWithoutTile.length > 0, GHOST_ALARM_DELAY_MS);
  const count = state.participants.length + 1;
  useEffect(() => {
    document.title =
      state.phase === "joined" ? `Conclave · ${count} in the meeting` : "Conclave · meeting";
    return () => {
      document.title = "Conclave";
    };
  }, [state.phase, count]);

  if (state.phase === "left") return <LeftScreen onRejoin={onRejoin} onHome={onHome} />;
  if (state.phase === "removed") return <RemovedScreen onHome={onHome} />;
  if (state.phase === "ended") return <EndedScreen byUs={state.endedByUs} onHome={onHome} />;
  if (state.phase === "failed" && state.failure) {
    const { code } = state.failure;
    const final = code === "DENIED" || code === "KNOCKING_DISABLED";
    return (
      <FailedScreen
        message={state.failure.message}
        onHome={onHome}
        onRetry={final ? null : code === "LINK_REPLACED" ? onAskToJoin : onRejoin}
        retryLabel={code === "LINK_REPLACED" ? "Ask to join" : "Try again"}
      />
    );
  }
  if (state.knocking) {
    return (
      <KnockWaiting
        state={state}
        onCancel={() => {
          meeting.leave();
          onHome();
        }}
      />
    );
  }

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setCopied("Meeting link copied. Anyone with it can join.");
    } catch {
      setCopied("Could not copy. Copy the address from the address bar instead.");
    }
  };
  /** A knock link: no invite secret; it pins our fingerprint if we are a host (docs/e2ee.md). */
  const copyGuestLink = async () => {
    const self = worker.group.roster.find((r) => r.self);
    const pin =
      self && ownRole(worker.group.roster, worker.roles) === "host" ? self.fingerprint : null;
    const roomId = location.pathname.split("/")[2] ?? "";
    try {
      await navigator.clipboard.writeText(new URL(knockLinkPath(roomId, pin), location.href).href);
      setCopied("Guest link copied. People with it ask to join, and a host lets them in.");
    } catch {
      setCopied("Could not copy the guest link.");
    }
  };

  const recordingSources = () => onScreen(name, meeting.local.state, meeting.state.participants);
  const tiles = stageTiles({
    self: {
      name,
      videoStream: selfStream,
      cameraOn: local.camera === "on",
      micOn: local.mic === "on",
      speaking: selfSpeaking,
      handUp: activity.ownHandAt !== null,
      screen: ownScreen,
    },
    participants: state.participants,
    speaking: state.speaking,
    groupStatus: worker.group.status,
    hands: activity.hands,
    reactions: activity.reactions,
    quality: monitor.quality,
  });

  return (
    <div
      class={`meeting${panel ? " with-panel" : ""}`}
      data-e2ee-status={worker.group.status}
      data-group={JSON.stringify({ epoch: worker.group.epoch, ownLeaf: worker.group.ownLeaf })}
      data-security-code={worker.group.securityCode ?? ""}
      data-sframe={JSON.stringify(worker.sframe?.total ?? null)}
    >
      <header class="meeting-bar">
        <h1 class="meeting-title">Conclave</h1>
        <span class="count" aria-live="off">
          <PeopleIcon />
          {count === 1 ? "1 person" : `${count} people`}
        </span>
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
        <button
          type="button"
          class="btn btn-ghost"
          aria-expanded={panel === "people"}
          onClick={() => toggle("people")}
        >
          <PeopleIcon />
          <span class="btn-text">People</span>
        </button>
        <button
          type="button"
          class="btn btn-ghost"
          aria-expanded={panel === "security"}
          onClick={() => toggle("security")}
        >
          <LockIcon />
          <span class="btn-text">Security</span>
        </button>
        <button
          type="button"
          class="btn btn-ghost"
          aria-expanded={panel === "chat"}
          aria-describedby={activity.unread > 0 ? "chat-unread" : undefined}
          onClick={() => toggle("chat")}
        >
          <ChatIcon />
          <span class="btn-text">Chat</span>
          {activity.unread > 0 && (
            <span class="badge" aria-hidden="true">
              {activity.unread > 99 ? "99+" : activity.unread}
            </span>
          )}
        </button>
        {activity.unread > 0 && (
          <span id="chat-unread" class="sr-only">
            {activity.unread === 1 ? "1 unread message" : `${activity.unread} unread messages`}
          </span>
        )}
        <button
          type="button"
          class="btn btn-ghost"
          aria-expanded={panel === "diagnostics"}
          onClick={() => toggle("diagnostics")}
        >
          <ChartIcon />
          <span class="btn-text">Diagnostics</span>
        </button>
        <button
          type="button"
          class="btn btn-ghost shortcuts-button"
          title="Keyboard shortcuts (?)"
          onClick={() => setHelp(true)}
        >
          <KeyboardIcon />
          <span class="sr-only">Keyboard shortcuts</span>
        </button>
      </header>

      <ConnectionBanner state={state} onRetryNow={() => meeting.retryNow()} />
      {state.phase === "joined" &&
        state.e2eeFailure === null &&
        worker.group.status !== "member" && (
          <div class="banner" role="status">
            <span class="spinner" aria-hidden="true" />
            {worker.group.status === "starting"
              ? "Encrypting…"
              : state.roomStatus?.locked
                ? "The meeting is locked. You will join once a host unlocks it."
                : state.roomStatus?.lobbyMandatory
                  ? "Waiting for a host to let you in… Hosts now admit everyone who joins."
                  : "Joining the encrypted group… You will see and hear the others once a member lets this device in."}
          </div>
        )}
      {state.e2eeFailure !== null && (
        <div class="banner banner-warn" role="alert">
          <span>{state.e2eeFailure}</span>
          <button
            type="button"
            class="btn btn-small"
            onClick={() => {
              if (worker.group.status === "removed" || worker.group.status === "failed") {
                meeting.leave();
                onRejoin();
              } else meeting.retryEncryption();
            }}
          >
            Retry
          </button>
        </div>
      )}
      {ghostAlarm && worker.group.status === "member" && (
        <div class="banner banner-warn" role="status">
          In the encrypted group but not in the call:{" "}
          {state.membersWithoutTile.map((r) => r.name).join(", ")}
        </div>
      )}
      {state.notice && (
        <div class="banner banner-warn" role="alert">
          <span>{state.notice}</span>
          <button type="button" class="btn btn-small" onClick={() => meeting.dismissNotice()}>
            Dismiss
          </button>
        </div>
      )}

      {screen.error && (
        <div class="banner banner-warn" role="alert">
          {screen.error}
        </div>
      )}
      <AlarmBanners alarms={meeting.e2ee.alarms} />
      <HostCommandPrompts commands={meeting.commands} />
      <KeyChangeBanners meeting={meeting} />
      <RecordingBanner activity={meeting.e2ee.activity} />
      <RaisedHands activity={meeting.e2ee.activity} />
      <KnockCards meeting={meeting} />

      <main class="stage">
        <Stage tiles={tiles} speaker={monitor.speaker} />
        <AudioOutputs participants={state.participants} sinkId={local.speakerId} />
        {panel === "diagnostics" && (
          <Diagnostics meeting={meeting} onClose={() => setPanel(null)} />
        )}
        {panel === "security" && <SecurityPanel meeting={meeting} onClose={() => setPanel(null)} />}
        {panel === "people" && (
          <ParticipantsPanel meeting={meeting} onClose={() => setPanel(null)} />
        )}
        {panel === "chat" && (
          <ChatPanel
            activity={meeting.e2ee.activity}
            groupStatus={worker.group.status}
            onClose={() => setPanel(null)}
          />
        )}
      </main>

      {devices && (
        <section
          id="device-panel"
          class="device-panel"
          aria-label="Camera and microphone"
          onKeyDown={(e) => {
            if (e.key === "Escape") setDevices(false);
          }}
        >
          <DevicePickers local={meeting.local} />
          <button type="button" class="btn btn-small" onClick={() => setDevices(false)}>
            Done
          </button>
        </section>
      )}

      <section class="controls" aria-label="Call controls">
        <MediaToggles local={meeting.local} />
        <ScreenShareButton screen={meeting.screen} />
        <HandButton activity={meeting.e2ee.activity} />
        <ReactionsButton activity={meeting.e2ee.activity} />
        <RecordButton activity={meeting.e2ee.activity} sources={recordingSources} />
        <button
          type="button"
          class="btn btn-round"
          aria-expanded={devices}
          aria-controls="device-panel"
          onClick={() => setDevices(!devices)}
        >
          <SlidersIcon />
          <span class="btn-label">Devices</span>
        </button>
        <button type="button" class="btn btn-round btn-danger" onClick={() => meeting.leave()}>
          <LeaveIcon />
          <span class="btn-label">Leave</span>
        </button>
      </section>

      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {state.announcement}
      </div>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {state.securityAnnouncement}
      </div>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {activity.announcement}
      </div>
      <div class="sr-only" role="status">
        {shortcuts.status}
      </div>
      {help && (
        <ShortcutsDialog
          singleKeys={shortcuts.singleKeys}
          onSingleKeys={shortcuts.setSingleKeys}
          onClose={() => setHelp(false)}
        />
      )}
      <div class="sr-only" role="status">
        {copied}
      </div>
      {copied && <Toast text={copied} onDone={() => setCopied("")} />}
    </div>
  );
}

function ConnectionBanner({ state, onRetryNow }: { state: MeetingState; onRetryNow: () => void }) {
  const seconds = useCountdown(state.retryAt);
  if (state.phase === "connecting") {
    return (
      <div class="banner" role="status">
        <span class="spinner" aria-hidden="true" />
        {state.wasJoined ? "Reconnecting…" : "Connecting to the meeting…"}
        {state.attempt > 1 && ` (attempt ${state.attempt})`}
      </div>
    );
  }
  if (state.phase === "retrying") {
    return (
      <div class="banner banner-warn" role="status">
        {state.retryAt === null ? (
          <span>This device is offline. Reconnecting… as soon as the network is back.</span>
        ) : (
          <span>
            {state.wasJoined && state.attempt < 2
              ? "Connection lost. Reconnecting… Your place in the meeting is kept for 30 s."
              : "Can’t reach the server."}{" "}
            Retrying in {seconds} s (attempt {state.attempt + 1}).
          </span>
        )}
        <button type="button" class="btn btn-small" onClick={onRetryNow}>
          Retry now
        </button>
      </div>
    );
  }
  if (state.phase === "joined" && state.mediaConnection === "failed") {
    return (
      <div class="banner banner-warn" role="status">
        Media could not connect to the server. A firewall may be blocking UDP.
      </div>
    );
  }
  return null;
}

/**
 * An MLS member with no tile is normal for the moment between a participant leaving the call and
 * the commit that removes them; the alarm (DESIGN §7.6) sounds when it lasts longer than that.
 */
const GHOST_ALARM_DELAY_MS = 3000;

/** True once `condition` has held for `ms` without interruption. */
function useLasting(condition: boolean, ms: number): boolean {
  const [lasting, setLasting] = useState(false);
  useEffect(() => {
    setLasting(false);
    if (!condition) return;
    const timer = setTimeout(() => setLasting(true), ms);
    return () => clearTimeout(timer);
  }, [condition, ms]);
  return lasting;
}

function useCountdown(deadline: number | null): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (deadline === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [deadline]);
  return deadline === null ? 0 : Math.max(0, Math.ceil((deadline - now) / 1000));
}

function Toast({ text, onDone }: { text: string; onDone: () => void }) {
  // The parent re-renders often (speaking, stats); only a new text restarts the timer.
  const done = useRef(onDone);
  done.current = onDone;
  useEffect(() => {
    const timer = setTimeout(() => done.current(), 3000);
    return () => clearTimeout(timer);
  }, [text]);
  return (
    <div class="toast" aria-hidden="true">
      {text}
    </div>
  );
}

function LeftScreen({ onRejoin, onHome }: { onRejoin: () => void; onHome: () => void }) {
  return (
    <main class="center-screen">
      <h1 tabIndex={-1} ref={focusOnMount}>
        You left the meeting
      </h1>
      <p>Your camera and microphone are off.</p>
      <div class="button-row">
        <button type="button" class="btn btn-primary" onClick={onRejoin}>
          Rejoin
        </button>
        <button type="button" class="btn" onClick={onHome}>
          Home
        </button>
      </div>
    </main>
  );
}

function FailedScreen(props: {
  message: string;
  onHome: () => void;
  onRetry: (() => void) | null;
  retryLabel: string;
}) {
  return (
    <main class="center-screen">
      <h1 tabIndex={-1} ref={focusOnMount}>
        Can’t join this meeting
      </h1>
      <p role="alert">{props.message}</p>
      <div class="button-row">
        {props.onRetry && (
          <button type="button" class="btn btn-primary" onClick={props.onRetry}>
            {props.retryLabel}
          </button>
        )}
        <button
          type="button"
          class={props.onRetry ? "btn" : "btn btn-primary"}
          onClick={props.onHome}
        >
          Home
        </button>
      </div>
    </main>
  );
}
