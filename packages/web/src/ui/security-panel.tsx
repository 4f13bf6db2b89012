import type { MeetingStore } from "../call/meeting-store.ts";
import { focusOnMount } from "./focus-on-mount.ts";
import { SecurityLog } from "./security-alarms.tsx";
import { useStore } from "./use-store.ts";
import { VerifyCell } from "./verification.tsx";

/** What each MLS cipher suite Conclave runs means to a reader (docs/e2ee.md "Post-quantum"). */
const SUITES: Record<string, string> = {
  MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519:
    "MLS suite 1: X25519 key exchange, AES-128-GCM, Ed25519 signatures. Not post-quantum.",
  MLS_256_XWING_AES256GCM_SHA512_Ed25519:
    "Post-quantum MLS: X-Wing key exchange (ML-KEM-768 with X25519), AES-256-GCM, Ed25519 signatures.",
};

/**
 * The group as MLS sees it: the security code everyone compares, the epoch, and the roster from
 * the members' signed credentials (never from the server).
 */
export function SecurityPanel({
  meeting,
  onClose,
}: {
  meeting: MeetingStore;
  onClose: () => void;
}) {
  const { group } = useStore(meeting.e2ee);
  const { membersWithoutTile, participants } = useStore(meeting.people);
  const joining = participants.filter((p) => p.leaf === null).length;
  return (
    <aside
      class="diagnostics side-panel"
      aria-labelledby="security-title"
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <div class="diagnostics-head">
        <h2 id="security-title" tabIndex={-1} ref={focusOnMount}>
          Security
        </h2>
        <button type="button" class="btn btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      <p class="hint">
        {group.status === "member"
          ? "Audio, video and chat are end-to-end encrypted: the server cannot read them."
          : "Joining the encrypted group…"}
      </p>
      {group.ciphersuite !== null && (
        <p class="hint" data-ciphersuite={group.ciphersuite}>
          {SUITES[group.ciphersuite] ?? group.ciphersuite}
        </p>
      )}
      <h3>Security code</h3>
      {/* A derived value (an <output>); changes are announced by the meeting's live region. */}
      <output
        class="security-code"
        aria-live="off"
        aria-label="Security code"
        data-security-code={group.securityCode ?? ""}
      >
        {group.securityCode === null
          ? "—"
          : group.securityCode
              .split(" ")
              .map((digits, i) => <span key={i}>{i > 0 ? ` ${digits}` : digits}</span>)}
      </output>
      <p class="hint">
        Compare this code with everyone in the meeting, for example by reading it aloud. If all
        codes match, everyone is in the same encrypted group and nobody else is listening. It
        changes whenever someone joins or leaves. To check one person, press Verify next to their
        name and compare six words with them: this browser then marks them verified, and warns if
        that name ever comes with another key.
      </p>
      <p class="hint">MLS epoch: {group.epoch ?? "—"}</p>
      <h3>In the encrypted group ({group.roster.length})</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Fingerprint</th>
            <th scope="col">Verified</th>
          </tr>
        </thead>
        <tbody>
          {group.roster.map((r) => (
            <tr key={`${r.leaf}/${r.fingerprint}`}>
              <th scope="row">{r.self ? `${r.name} (you)` : r.name}</th>
              <td class="fingerprint">{r.fingerprint}</td>
              <td>
                <VerifyCell meeting={meeting} member={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {membersWithoutTile.length > 0 && (
        <p class="field-error" role="alert">
          In the encrypted group but not in the call:{" "}
          {membersWithoutTile.map((r) => r.name).join(", ")}
        </p>
      )}
      {joining > 0 && (
        <p class="hint">
          {joining === 1 ? "1 person is" : `${joining} people are`} still joining the encrypted
          group and cannot see or hear anything yet.
        </p>
      )}
      <SecurityLog alarms={meeting.e2ee.alarms} />
    </aside>
  );
}
