import { useEffect, useState } from "preact/hooks";
import type { MediaSessionState } from "../call/media-session.ts";
import type { MeetingState, MeetingStore } from "../call/meeting-store.ts";
import { HostCommandPrompts } from "./host-command-prompts.tsx";
import { JoiningBanner } from "./joining-banner.tsx";
import { KnockCards } from "./knock-cards.tsx";
import { RaisedHands } from "./raised-hands.tsx";
import { RecordingBanner } from "./recording.tsx";
import { AlarmBanners } from "./security-alarms.tsx";
import { useStore } from "./use-store.ts";
import { KeyChangeBanners } from "./verification.tsx";

/**
 * An MLS member with no tile is normal for the moment between a participant leaving the call and
 * the commit that removes them; the alarm (DESIGN §7.6) sounds when it lasts longer than that.
 */
const GHOST_ALARM_DELAY_MS = 3000;

/**
 * Everything between the meeting bar and the stage: the connection, our way into the encrypted
 * group, members not in the call, the server's notices, security alarms, what hosts ask of us,
 * changed keys, who records, raised hands, and (for hosts) who knocks.
 */
export function MeetingBanners(props: { meeting: MeetingStore; onRejoin: () => void }) {
  const { meeting } = props;
  const state = useStore(meeting);
  const media = useStore(meeting.media);
  const screen = useStore(meeting.screen);
  const activity = meeting.e2ee.activity;
  return (
    <>
      <ConnectionBanner state={state} media={media} onRetryNow={() => meeting.retryNow()} />
      <EncryptionBanners meeting={meeting} onRejoin={props.onRejoin} />
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
      <RecordingBanner activity={activity} />
      <RaisedHands activity={activity} />
      <KnockCards meeting={meeting} />
    </>
  );
}

function ConnectionBanner(props: {
  state: MeetingState;
  media: MediaSessionState;
  onRetryNow: () => void;
}) {
  const { state } = props;
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
        <button type="button" class="btn btn-small" onClick={props.onRetryNow}>
          Retry now
        </button>
      </div>
    );
  }
  if (state.phase === "joined" && props.media.connection === "failed") {
    return (
      <div class="banner banner-warn" role="status">
        Media could not connect to the server. A firewall may be blocking UDP.
      </div>
    );
  }
  return null;
}

/** Joining the encrypted group (and why it takes long), its failure, and members with no tile. */
function EncryptionBanners({ meeting, onRejoin }: { meeting: MeetingStore; onRejoin: () => void }) {
  const { phase } = useStore(meeting);
  const { e2eeFailure, roomStatus, step } = useStore(meeting.entry);
  const { group } = useStore(meeting.e2ee);
  const { membersWithoutTile } = useStore(meeting.people);
  const ghostAlarm = useLasting(membersWithoutTile.length > 0, GHOST_ALARM_DELAY_MS);
  return (
    <>
      {phase === "joined" && e2eeFailure === null && group.status !== "member" && (
        <JoiningBanner status={group.status} roomStatus={roomStatus} step={step} />
      )}
      {e2eeFailure !== null && (
        <div class="banner banner-warn" role="alert">
          <span>{e2eeFailure}</span>
          <button
            type="button"
            class="btn btn-small"
            onClick={() => {
              if (group.status === "removed" || group.status === "failed") {
                void meeting.leave();
                onRejoin();
              } else meeting.retryEncryption();
            }}
          >
            Retry
          </button>
        </div>
      )}
      {ghostAlarm && group.status === "member" && (
        <div class="banner banner-warn" role="status">
          In the encrypted group but not in the call:{" "}
          {membersWithoutTile.map((r) => r.name).join(", ")}
        </div>
      )}
    </>
  );
}

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
