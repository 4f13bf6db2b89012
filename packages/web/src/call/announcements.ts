/**
 * What the meeting says in its polite live regions (docs: every change that matters is
 * announced): joins, leaves and connection changes in one, security code changes in the other.
 */
import type { GroupView } from "../worker/reports.ts";
import { LiveText } from "./live-text.ts";
import { Store } from "./store.ts";

export interface AnnouncementsState {
  /** Joins, leaves, connection changes. */
  readonly announcement: string;
  /** Security code changes. */
  readonly securityAnnouncement: string;
}

export class Announcements extends Store<AnnouncementsState> {
  private readonly live = new LiveText();

  constructor() {
    super({ announcement: "", securityAnnouncement: "" });
  }

  say(text: string): void {
    this.update({ announcement: this.live.next(text) });
  }

  /** What changed in the MLS group, as members hear it: who joined, our entry, a new code. */
  groupChanged(before: GroupView, now: GroupView): void {
    const known = new Set(before.roster.map((r) => `${r.leaf}/${r.fingerprint}`));
    const added = now.roster.filter((r) => !r.self && !known.has(`${r.leaf}/${r.fingerprint}`));
    if (before.status === "member" && added.length > 0) {
      this.say(`${added.map((r) => r.name).join(", ")} joined`);
    }
    if (now.status === "member" && before.status !== "member") {
      this.say("You are in the encrypted group. Media is end-to-end encrypted.");
    }
    if (now.securityCode !== null && now.securityCode !== before.securityCode) {
      this.update({ securityAnnouncement: `Security code is now ${now.securityCode}` });
    }
  }
}
