import { useEffect, useState } from "preact/hooks";
import type { GroupEntryState, JoinStep } from "../call/group-entry.ts";
import type { GroupStatus } from "../worker/reports.ts";

/** What a slow join waits for, by step: said once per step, the seconds shown beside it. */
export function joiningText(
  status: GroupStatus,
  roomStatus: GroupEntryState["roomStatus"],
  step: JoinStep | null,
): string {
  if (status === "starting") return "Encrypting… making this device’s key.";
  if (roomStatus?.locked) return "The meeting is locked. You will join once a host unlocks it.";
  if (roomStatus?.lobbyMandatory) {
    return "Waiting for a host to let you in… Hosts now admit everyone who joins.";
  }
  if (step === null) return "Joining the encrypted group… preparing this device’s key.";
  if (step.kind === "welcome") {
    return "Joining the encrypted group… a member added this device; opening its welcome.";
  }
  return step.count > 1
    ? "Joining the encrypted group… no member has added this device yet, so its key was sent again. Waiting for a member to add it."
    : "Joining the encrypted group… this device’s key went to the members. Waiting for one of them to add it.";
}

/**
 * While we are in the meeting but not yet in its encrypted group: the step we wait on, and for how
 * long (the seconds are for the eye; the step is what the status region says).
 */
export function JoiningBanner(props: {
  status: GroupStatus;
  roomStatus: GroupEntryState["roomStatus"];
  step: JoinStep | null;
}) {
  const seconds = useSecondsSince(props.step?.at ?? null);
  return (
    <div class="banner" data-join-step={props.step?.kind ?? props.status}>
      <span class="spinner" aria-hidden="true" />
      <span role="status">{joiningText(props.status, props.roomStatus, props.step)}</span>
      {seconds !== null && seconds >= 3 && <span aria-hidden="true">({seconds} s)</span>}
    </div>
  );
}

function useSecondsSince(at: number | null): number | null {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (at === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? null : Math.max(0, Math.floor((now - at) / 1000));
}
