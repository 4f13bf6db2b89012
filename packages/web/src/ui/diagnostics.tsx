import { useEffect, useState } from "preact/hooks";
import { describeMediaPath, type MediaPath, readMediaPath } from "../call/media-path.ts";
import type { MeetingStore } from "../call/meeting-store.ts";
import { type SendStats, SOURCE_LABEL, StatsSampler, type StreamStats } from "../call/stats.ts";
import { useStore } from "./use-store.ts";

/** Encoded-transform frame counts from the media worker and getStats() per participant. */
export function Diagnostics({ meeting, onClose }: { meeting: MeetingStore; onClose: () => void }) {
  const counts = useStore(meeting.e2ee);
  const { participants } = useStore(meeting.people);
  const { connection } = useStore(meeting.media);
  const [recv, setRecv] = useState<StreamStats[]>([]);
  const [send, setSend] = useState<SendStats[]>([]);
  const [paths, setPaths] = useState<[MediaPath | null, MediaPath | null]>([null, null]);

  useEffect(() => {
    const sampler = new StatsSampler(meeting);
    let alive = true;
    const poll = async () => {
      try {
        const [r, s, sendPath, receivePath] = await Promise.all([
          sampler.receive(),
          sampler.send(),
          readMediaPath(meeting.sendConnection),
          readMediaPath(meeting.receiveConnection),
        ]);
        if (alive) {
          setRecv(r);
          setSend(s);
          setPaths([sendPath, receivePath]);
        }
      } catch {
        // A connection closed between polls (reconnecting); the next poll reads the new one.
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), 1000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [meeting]);

  const nameOf = (id: string) => participants.find((p) => p.id === id)?.name ?? id;
  const framesFor = (id: string, kind: string) =>
    counts.participants.find((c) => c.participantId === id && c.kind === kind);

  return (
    <aside class="diagnostics" aria-labelledby="diagnostics-title">
      <div class="diagnostics-head">
        <h2 id="diagnostics-title">Diagnostics</h2>
        <button type="button" class="btn btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      <p class="hint">Media connection: {connection}</p>
      <p class="hint" data-media-path>
        Sending {describeMediaPath(paths[0])}; receiving {describeMediaPath(paths[1])}
      </p>
      <h3>Encoded frames (media worker)</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Stream</th>
            <th scope="col">Frames</th>
            <th scope="col">KiB</th>
            <th scope="col">Dropped</th>
          </tr>
        </thead>
        <tbody>
          {counts.totals.length === 0 && (
            <tr>
              <td colSpan={4}>No frames yet</td>
            </tr>
          )}
          {counts.totals.map((t) => (
            <tr key={`${t.direction}/${t.kind}`}>
              <th scope="row">
                {t.direction === "send" ? "Sent" : "Received"} {t.kind}
              </th>
              <td>{t.frames}</td>
              <td>{Math.round(t.bytes / 1024)}</td>
              <td>{t.dropped}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {counts.lastError && <p class="field-error">Worker: {counts.lastError}</p>}

      <SframeCounts meeting={meeting} />

      <h3>Sending</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">kbit/s</th>
            <th scope="col">Encoded</th>
            <th scope="col">Size</th>
          </tr>
        </thead>
        <tbody>
          {send.map((s) => (
            <tr key={s.source}>
              <th scope="row">{SOURCE_LABEL[s.source]}</th>
              <td>{s.kbps}</td>
              <td>{s.framesEncoded ?? "—"}</td>
              <td>{s.resolution ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>Receiving</h3>
      {recv.length === 0 && <p class="hint">Nobody else is sending.</p>}
      {recv.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">kbit/s</th>
              <th scope="col">Decoded</th>
              <th scope="col">fps</th>
              <th scope="col">Lost</th>
              <th scope="col" title="Frames through the media worker">
                Worker
              </th>
            </tr>
          </thead>
          <tbody>
            {recv.map((s) => (
              <tr key={`${s.participantId}/${s.source}`}>
                <th scope="row" title={s.resolution ?? undefined}>
                  {nameOf(s.participantId)} {SOURCE_LABEL[s.source]}
                </th>
                <td>{s.kbps}</td>
                <td>{s.framesDecoded ?? "—"}</td>
                <td>{s.framesPerSecond ?? "—"}</td>
                <td>{s.packetsLost}</td>
                <td>{framesFor(s.participantId, s.kind)?.frames ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="hint">Invalid server messages ignored: {meeting.invalidServerMessages}</p>
    </aside>
  );
}

function reasons(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  return entries.length === 0 ? "0" : entries.map(([reason, n]) => `${reason} ${n}`).join(", ");
}

/** SFrame outcomes per MLS member (by the sender leaf in the KID): nothing dropped is decoded. */
function SframeCounts({ meeting }: { meeting: MeetingStore }) {
  const { sframe, group, leafNames, memberError } = useStore(meeting.e2ee);
  if (sframe === null) return null;
  const nameOfLeaf = (leaf: string) => {
    const member = group.roster.find((r) => String(r.leaf) === leaf);
    if (!member) return `${leafNames[Number(leaf)] ?? `Leaf ${leaf}`} (left)`;
    return member.self ? `${member.name} (you)` : member.name;
  };
  const rows = [
    ...Object.entries(sframe.senders).map(([leaf, c]) => ({
      key: leaf,
      name: nameOfLeaf(leaf),
      c,
    })),
    { key: "total", name: "All", c: sframe.total },
  ];
  return (
    <>
      <h3>End-to-end encryption (SFrame)</h3>
      <table class="sframe-table">
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Decrypted</th>
            <th scope="col">Encrypted</th>
            <th scope="col" title="Keyed with the next epoch, held and retried">
              Held
            </th>
            <th scope="col">Dropped</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ key, name, c }) => (
            <tr key={key} data-sframe-sender={key}>
              <th scope="row">{name}</th>
              <td>{c.decrypted}</td>
              <td>{c.encrypted}</td>
              <td>{c.deferred}</td>
              <td class="reasons">{reasons(c.dropped)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="hint">
        Not sent (no key yet): {reasons(sframe.total.refused)}. Held frames expired:{" "}
        {sframe.holdExpired}, overflowed: {sframe.holdOverflow}.
      </p>
      {memberError && <p class="hint">Last MLS notice: {memberError}</p>}
    </>
  );
}
