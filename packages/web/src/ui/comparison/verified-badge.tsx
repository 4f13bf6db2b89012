import "./comparison.css";
import type { MeetingStore } from "../../call/meeting-store.ts";
import type { RosterEntry } from "../../worker/reports.ts";
import { VerifiedIcon } from "../icons.tsx";
import { useStore } from "../use-store.ts";

/** "Verified" beside a member this device compared keys with (call/verified-pins.ts). */
export function VerifiedBadge({ meeting, member }: { meeting: MeetingStore; member: RosterEntry }) {
  useStore(meeting.pins);
  if (member.self || !member.nameConfirmed) return null;
  if (meeting.pins.check(member.name, member.fingerprint) !== "verified") return null;
  return (
    <span class="person-verified" data-verified="">
      <VerifiedIcon />
      Verified
    </span>
  );
}
