import { useEffect, useRef } from "preact/hooks";
import { ownRole, waitingCards } from "../call/host-controls.ts";
import type { MeetingStore } from "../call/meeting-store.ts";
import { playKnockTone } from "../call/tones.ts";
import { useStore } from "./use-store.ts";

/**
 * For hosts and co-hosts: everyone asking to join, each as a card with the name they typed
 * (marked not verified: the server and anyone can claim any name), the fingerprint of the device
 * key they uploaded, and Admit / Deny. A short tone sounds when a new knock arrives. A knock
 * whose connection dropped is marked "Reconnecting…" while the server keeps its place.
 */
export function KnockCards({ meeting }: { meeting: MeetingStore }) {
  const { knocks, announcement } = useStore(meeting.host);
  const { group, roles, uploads } = useStore(meeting.e2ee);
  const { participants } = useStore(meeting.people);
  const moderator = group.status === "member" && ownRole(group.roster, roles) !== "member";

  // With the lobby mandatory or the meeting locked, people with the invite link wait for a host
  // too; their device is known by its upload (the name in it sealed with the invite secret).
  const locked = roles?.locked ?? false;
  const invited =
    roles?.lobbyMandatory || locked
      ? participants.filter((p) => p.leaf === null && !p.reconnecting).map((p) => p.id)
      : [];
  const cards = moderator ? waitingCards(knocks, invited, uploads) : [];
  const heard = useRef(new Set<string>());
  const waitingIds = cards.map((c) => c.participantId).join(",");
  useEffect(() => {
    const fresh = waitingIds.split(",").filter((id) => id !== "" && !heard.current.has(id));
    for (const id of fresh) heard.current.add(id);
    if (fresh.length > 0) playKnockTone();
  }, [waitingIds]);
  return (
    <>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {moderator ? announcement : ""}
      </div>
      {cards.length > 0 && (
        <section class="knock-cards" aria-label="Asking to join">
          {cards.map((card) => (
            <article
              key={card.participantId}
              class="knock-card"
              aria-labelledby={`knock-${card.participantId}`}
            >
              <p class="knock-name" id={`knock-${card.participantId}`}>
                <strong>{card.claimedName}</strong> asks to join
                {card.away && <span class="badge-reconnecting">Reconnecting…</span>}
              </p>
              <p class="knock-detail">
                <span class="badge-unverified">Name not verified</span>{" "}
                <span class="fingerprint-label">Device</span>{" "}
                <span class="fingerprint">{card.fingerprint ?? "waiting for its key…"}</span>
              </p>
              {locked && (
                <p class="knock-detail" id={`knock-locked-${card.participantId}`}>
                  The meeting is locked: unlock it to let anyone in.
                </p>
              )}
              {!locked && card.away && (
                <p class="knock-detail" id={`knock-away-${card.participantId}`}>
                  {awayText(card.keyPackageRef !== null)}
                </p>
              )}
              <div class="knock-actions">
                {locked ? (
                  <button
                    type="button"
                    class="btn btn-primary btn-small"
                    aria-describedby={`knock-locked-${card.participantId}`}
                    onClick={() => meeting.host.setLocked(false)}
                  >
                    Unlock to admit
                  </button>
                ) : (
                  <button
                    type="button"
                    class="btn btn-primary btn-small"
                    aria-label={`Admit ${card.claimedName}`}
                    aria-describedby={card.away ? `knock-away-${card.participantId}` : undefined}
                    disabled={card.keyPackageRef === null}
                    onClick={() => {
                      if (card.keyPackageRef !== null) {
                        meeting.host.admit(card.participantId, card.keyPackageRef);
                      }
                    }}
                  >
                    Admit
                  </button>
                )}
                <button
                  type="button"
                  class="btn btn-small"
                  aria-label={`Deny ${card.claimedName}`}
                  onClick={() => meeting.host.deny(card.participantId)}
                >
                  Deny
                </button>
              </div>
            </article>
          ))}
        </section>
      )}
    </>
  );
}

/**
 * Why a card's knocker is away and what Admit does meanwhile (docs/protocol.md "Lobby"): while the
 * server still holds the upload we saw, admitting lets them in as they come back; after the
 * meeting moved to another server it is gone, and the device they bring back is the one to admit.
 */
function awayText(uploadHeld: boolean): string {
  return uploadHeld
    ? "Their connection dropped. If you admit them now, they come in when they are back."
    : "Their connection dropped. You can admit them once they are back.";
}
