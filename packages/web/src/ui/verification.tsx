import { useState } from "preact/hooks";
import type { MeetingStore } from "../call/meeting-store.ts";
import type { RosterEntry } from "../worker/reports.ts";
import { ComparisonDialog } from "./comparison/comparison-dialog.tsx";
import { useStore } from "./use-store.ts";

/**
 * Verification of one member: compare the pair's words with them (comparison/comparison-dialog.tsx),
 * then mark them verified; this browser remembers it (call/verified-pins.ts).
 */
export function VerifyCell({ meeting, member }: { meeting: MeetingStore; member: RosterEntry }) {
  useStore(meeting.pins);
  const [comparing, setComparing] = useState(false);
  if (member.self || !member.nameConfirmed) return null;
  const state = meeting.pins.check(member.name, member.fingerprint);
  if (state === "verified") {
    return (
      <span class="verified">
        Verified{" "}
        <button
          type="button"
          class="btn btn-small"
          onClick={() => meeting.pins.forget(member.fingerprint)}
        >
          Unverify {member.name}
        </button>
      </span>
    );
  }
  return (
    <>
      <button type="button" class="btn btn-small" onClick={() => setComparing(true)}>
        Verify {member.name}
      </button>
      {comparing && (
        <ComparisonDialog meeting={meeting} member={member} onClose={() => setComparing(false)} />
      )}
    </>
  );
}

/** A loud warning for each member whose name was verified on this device with another key. */
export function KeyChangeBanners({ meeting }: { meeting: MeetingStore }) {
  const { group } = useStore(meeting.e2ee);
  useStore(meeting.pins);
  const changed = group.roster.filter(
    (r) =>
      !r.self && r.nameConfirmed && meeting.pins.check(r.name, r.fingerprint) === "key-changed",
  );
  return (
    <>
      {changed.map((r) => (
        <div key={r.fingerprint} class="banner banner-warn" role="alert" data-alarm="key-changed">
          Warning: “{r.name}” is not using the key you verified for that name on this device. It may
          be a new device of theirs, or someone else. Compare the security code with them before you
          trust this call.
        </div>
      ))}
    </>
  );
}
