import { useEffect, useState } from "preact/hooks";
import type { MeetingStore } from "../call/meeting-store.ts";
import { peopleCount } from "../call/stage-tiles.ts";
import { AudioOutputs } from "./audio-outputs.tsx";
import { CallControls } from "./call-controls.tsx";
import { ChatPanel } from "./chat-panel.tsx";
import { Diagnostics } from "./diagnostics.tsx";
import { EndedScreen, FailedScreen, LeftScreen, RemovedScreen } from "./end-screens.tsx";
import { InvitePrompt } from "./invite-prompt.tsx";
import { CopyStatus, LiveRegions } from "./live-regions.tsx";
import { KnockWaiting } from "./lobby-screens.tsx";
import { MeetingBanners } from "./meeting-banners.tsx";
import { MeetingBar, type Panel } from "./meeting-bar.tsx";
import { MeetingNotices } from "./meeting-notices.tsx";
import { MeetingStage } from "./meeting-stage.tsx";
import { ParticipantsPanel } from "./participants-panel.tsx";
import { SecurityPanel } from "./security-panel.tsx";
import { ShortcutsDialog } from "./shortcuts-dialog.tsx";
import { useMeetingLinks } from "./use-meeting-links.ts";
import { useShortcuts } from "./use-shortcuts.ts";
import { useStore } from "./use-store.ts";

interface MeetingProps {
  meeting: MeetingStore;
  name: string;
  onRejoin: () => void;
  onHome: () => void;
  /** To the knock screen, when the hosts replaced the link we came with. */
  onAskToJoin: () => void;
}

/**
 * One meeting on screen: the end screens once it is over for us, the knock screen while a host
 * has not let us in, else the bar, the banners, the stage with its side panel, the controls and
 * the live regions.
 */
export function Meeting({ meeting, name, onRejoin, onHome, onAskToJoin }: MeetingProps) {
  const state = useStore(meeting);
  const worker = useStore(meeting.e2ee);
  const { participants } = useStore(meeting.people);
  const local = useStore(meeting.local);
  const { roomStatus } = useStore(meeting.entry);
  const [panel, setPanel] = useState<Panel | null>(null);
  const toggle = (which: Panel) => setPanel(panel === which ? null : which);
  const [help, setHelp] = useState(false);
  const shortcuts = useShortcuts(meeting, {
    toggleChat: () => toggle("chat"),
    openHelp: () => setHelp(true),
  });
  const [copied, setCopied] = useState<string>("");
  const links = useMeetingLinks(meeting, setCopied);
  // "auto": shown while we are alone in the group, until closed; "open": asked for (Invite).
  const [invite, setInvite] = useState<"auto" | "open" | "closed">("auto");
  const count = peopleCount(participants, worker.group.status);
  const alone = state.phase === "joined" && count === 1;
  const inviting = invite === "open" || (invite === "auto" && alone);
  useEffect(() => {
    // Once someone is in, the prompt has done its work: it no longer comes back by itself.
    if (count !== null && count > 1 && invite === "auto") setInvite("closed");
  }, [count, invite]);
  useEffect(() => {
    document.title =
      state.phase === "joined" && count !== null
        ? `Conclave · ${count} in the meeting`
        : "Conclave · meeting";
    return () => {
      document.title = "Conclave";
    };
  }, [state.phase, count]);

  if (state.phase === "left") return <LeftScreen onRejoin={onRejoin} onHome={onHome} />;
  if (state.phase === "removed") return <RemovedScreen by={state.removedBy} onHome={onHome} />;
  if (state.phase === "ended") return <EndedScreen byUs={state.endedByUs} onHome={onHome} />;
  if (state.phase === "failed" && state.failure) {
    return (
      <FailedScreen
        {...state.failure}
        onHome={onHome}
        onRejoin={onRejoin}
        onAskToJoin={onAskToJoin}
      />
    );
  }
  if (state.knocking) {
    return (
      <KnockWaiting
        state={state}
        roomStatus={roomStatus}
        onCancel={() => {
          void meeting.leave();
          onHome();
        }}
        onRetryNow={() => meeting.retryNow()}
      />
    );
  }

  const close = () => setPanel(null);
  return (
    <div
      class={`meeting${panel ? " with-panel" : ""}`}
      data-e2ee-status={worker.group.status}
      data-group={JSON.stringify({ epoch: worker.group.epoch, ownLeaf: worker.group.ownLeaf })}
      data-security-code={worker.group.securityCode ?? ""}
      data-sframe={JSON.stringify(worker.sframe?.total ?? null)}
    >
      <MeetingBar
        meeting={meeting}
        count={count}
        panel={panel}
        onToggle={toggle}
        onHelp={() => setHelp(true)}
        links={links}
        inviting={inviting}
        onInvite={() => setInvite(inviting ? "closed" : "open")}
      />
      <MeetingBanners meeting={meeting} onRejoin={onRejoin} />

      <main class="stage">
        <MeetingStage meeting={meeting} name={name} />
        {inviting && (
          <InvitePrompt
            links={links}
            guestOnly={!("secret" in meeting.access)}
            alone={alone && invite === "auto"}
            onClose={() => setInvite("closed")}
          />
        )}
        <MeetingNotices meeting={meeting} />
        <AudioOutputs participants={participants} sinkId={local.speakerId} />
        {panel === "diagnostics" && <Diagnostics meeting={meeting} onClose={close} />}
        {panel === "security" && <SecurityPanel meeting={meeting} onClose={close} />}
        {panel === "people" && <ParticipantsPanel meeting={meeting} onClose={close} />}
        {panel === "chat" && (
          <ChatPanel
            activity={meeting.e2ee.activity}
            groupStatus={worker.group.status}
            onClose={close}
          />
        )}
      </main>

      <CallControls meeting={meeting} name={name} />
      <LiveRegions meeting={meeting} shortcut={shortcuts.status} />
      {help && (
        <ShortcutsDialog
          singleKeys={shortcuts.singleKeys}
          onSingleKeys={shortcuts.setSingleKeys}
          onClose={() => setHelp(false)}
        />
      )}
      <CopyStatus text={copied} onDone={() => setCopied("")} />
    </div>
  );
}
