import { useEffect, useState } from "preact/hooks";
import { ownRole } from "../call/host-controls.ts";
import type { MeetingStore } from "../call/meeting-store.ts";
import type { RosterEntry } from "../worker/reports.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { focusOnMount } from "./focus-on-mount.ts";
import { ChimeToggle } from "./meeting-notices.tsx";
import { PersonRow } from "./person-row.tsx";
import { useStore } from "./use-store.ts";

/**
 * Who is in the meeting, as the MLS roster says (names from signed credentials, roles from the
 * group context), and for hosts and co-hosts: remove, remove and block, co-hosts, lock and lobby.
 * Every control asks the worker's engine for a commit; the engine refuses what our role does not
 * allow, so the controls here are a convenience, not the check.
 */
export function ParticipantsPanel({
  meeting,
  onClose,
}: {
  meeting: MeetingStore;
  onClose: () => void;
}) {
  const { group, roles } = useStore(meeting.e2ee);
  const me = group.status === "member" ? ownRole(group.roster, roles) : "member";
  const moderator = me !== "member";
  const [blocking, setBlocking] = useState<RosterEntry | null>(null);
  const [removing, setRemoving] = useState<RosterEntry | null>(null);
  const { hands } = useStore(meeting.e2ee.activity);
  const { participants } = useStore(meeting.people);
  const [ending, setEnding] = useState(false);
  const host = meeting.host;
  const lobbyMandatory = roles?.lobbyMandatory ?? false;
  const knockingEnabled = roles?.knockingEnabled ?? true;

  return (
    <aside
      class="diagnostics side-panel people-panel"
      aria-labelledby="people-title"
      onKeyDown={(e) => {
        if (e.key === "Escape" && blocking === null && removing === null && !ending) onClose();
      }}
    >
      <div class="diagnostics-head">
        <h2 id="people-title" tabIndex={-1} ref={focusOnMount}>
          People ({group.roster.length})
        </h2>
        <button type="button" class="btn btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      <fieldset class="meeting-settings" disabled={!moderator}>
        <legend>Meeting settings</legend>
        <SettingToggle
          label="Lock meeting"
          value={roles?.locked ?? false}
          onChange={(on) => host.setLocked(on)}
        />
        <SettingToggle
          label="Ask everyone to wait for a host"
          value={lobbyMandatory}
          onChange={(on) => host.setLobby(on, knockingEnabled)}
        />
        <SettingToggle
          label="Let people with a guest link ask to join"
          value={knockingEnabled}
          onChange={(on) => host.setLobby(lobbyMandatory, on)}
        />
        <p class="hint">
          {moderator
            ? "While the meeting is locked, nobody new can join, not even with the invite link."
            : "Only hosts and co-hosts can change these."}
        </p>
      </fieldset>
      {moderator && (
        <div class="button-row">
          <button type="button" class="btn btn-small" onClick={() => host.muteEveryone()}>
            Mute everyone
          </button>
          {me === "host" && (
            <button type="button" class="btn btn-small btn-danger" onClick={() => setEnding(true)}>
              End meeting for everyone
            </button>
          )}
        </div>
      )}
      <ul class="people-list">
        {group.roster.map((r) => (
          <PersonRow
            key={`${r.leaf}/${r.fingerprint}`}
            meeting={meeting}
            entry={r}
            roles={roles}
            me={me}
            handUp={hands.some((h) => (r.self ? h.self : h.leaf === r.leaf))}
            micOn={r.self ? null : (participants.find((p) => p.leaf === r.leaf)?.audio ?? null)}
            onRemove={setRemoving}
            onBlock={setBlocking}
          />
        ))}
      </ul>
      <div class="people-notices">
        <ChimeToggle />
      </div>
      {ending && (
        <ConfirmDialog
          id="end"
          title="End the meeting for everyone?"
          text="Everyone’s page leaves the meeting, and so does yours."
          confirmLabel="End meeting"
          onCancel={() => setEnding(false)}
          onConfirm={() => {
            setEnding(false);
            void meeting.endForEveryone();
          }}
        />
      )}
      {removing && (
        <ConfirmDialog
          id="remove"
          title={`Remove ${removing.name} from the meeting?`}
          text={`${removing.name}’s device leaves the encrypted group at once and gets no key from then on. With the meeting link they can come back unless the meeting is locked; to keep them out for good, use Remove and block.`}
          confirmLabel="Remove"
          onCancel={() => setRemoving(null)}
          onConfirm={() => {
            void host.remove(removing);
            setRemoving(null);
          }}
        />
      )}
      {blocking && (
        <ConfirmDialog
          id="block"
          title={`Remove and block ${blocking.name}?`}
          text="This device is removed and can’t come back. The meeting link is replaced too, because the same person could return with it in a new browser: everyone here gets the new link, and anyone who has not joined yet with the old one will have to ask to join."
          confirmLabel="Remove and block"
          onCancel={() => setBlocking(null)}
          onConfirm={() => {
            host.removeAndBlock(blocking.fingerprint);
            setBlocking(null);
          }}
        />
      )}
    </aside>
  );
}

/**
 * A setting held in the group context: it shows what we asked for until the commit lands (the
 * roles event), then what the group says, so a refused change springs back.
 */
function SettingToggle(props: { label: string; value: boolean; onChange: (on: boolean) => void }) {
  const [asked, setAsked] = useState<{ on: boolean; from: boolean } | null>(null);
  // The group moved (our commit, or someone else's): show it. No commit within 10 s: refused.
  const shown = asked !== null && asked.from === props.value ? asked.on : props.value;
  useEffect(() => {
    if (asked === null) return;
    const timer = setTimeout(() => setAsked(null), 10_000);
    return () => clearTimeout(timer);
  }, [asked]);
  return (
    <label class="check">
      <input
        type="checkbox"
        checked={shown}
        aria-busy={asked !== null && asked.from === props.value}
        onChange={(e) => {
          setAsked({ on: e.currentTarget.checked, from: props.value });
          props.onChange(e.currentTarget.checked);
        }}
      />
      {props.label}
    </label>
  );
}
