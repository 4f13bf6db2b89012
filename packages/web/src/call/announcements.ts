/**
 * What the meeting says in its polite live regions (docs: every change that matters is
 * announced): joins, leaves and connection changes in one, security code changes in the other.
 * The changes people should also see (who joined or left, the host role, the lock, the link) are
 * notices too: shown for a few seconds (ui/meeting-notices.tsx), said once in the live region.
 */
import type { GroupView, RolesView, RosterEntry } from "../worker/reports.ts";
import { LiveText } from "./live-text.ts";
import { Store } from "./store.ts";

/** What a notice is about: joins and leaves may chime (ui/meeting-notices.tsx). */
export type NoticeKind = "joined" | "left" | "removed" | "host" | "lock" | "link";

export interface Notice {
  readonly id: number;
  readonly kind: NoticeKind;
  readonly text: string;
}

export interface AnnouncementsState {
  /** Joins, leaves, connection changes. */
  readonly announcement: string;
  /** Security code changes. */
  readonly securityAnnouncement: string;
  /** Notices showing now, oldest first. */
  readonly notices: readonly Notice[];
}

/** How long a notice shows, and how many show at once (the oldest goes first). */
export const NOTICE_MS = 5000;
const MAX_NOTICES = 3;

export class Announcements extends Store<AnnouncementsState> {
  private readonly live = new LiveText();
  private nextId = 1;
  /** Members already said to be here (leaf/fingerprint): there when we came in, or announced. */
  private readonly named = new Set<string>();

  constructor() {
    super({ announcement: "", securityAnnouncement: "", notices: [] });
  }

  say(text: string): void {
    this.update({ announcement: this.live.next(text) });
  }

  /** Said in the live region and shown as a notice for `NOTICE_MS`. */
  notify(kind: NoticeKind, text: string): void {
    const notice = { id: this.nextId++, kind, text };
    this.say(text);
    this.update({ notices: [...this.state.notices, notice].slice(-MAX_NOTICES) });
    setTimeout(() => this.dismiss(notice.id), NOTICE_MS);
  }

  dismiss(id: number): void {
    if (!this.state.notices.some((n) => n.id === id)) return;
    this.update({ notices: this.state.notices.filter((n) => n.id !== id) });
  }

  /**
   * What changed in the MLS group, as members hear it: who joined, our entry, a new code. A member
   * is said to join once its name is known (its signed hello comes just after the Add); those who
   * were there when we came in are not news.
   */
  groupChanged(before: GroupView, now: GroupView): void {
    const key = (r: RosterEntry) => `${r.leaf}/${r.fingerprint}`;
    if (now.status !== "member") this.named.clear();
    else if (before.status !== "member") for (const r of now.roster) this.named.add(key(r));
    else {
      const joined = now.roster.filter(
        (r) => !r.self && r.nameConfirmed && !this.named.has(key(r)),
      );
      for (const r of joined) this.named.add(key(r));
      if (joined.length > 0)
        this.notify("joined", `${joined.map((r) => r.name).join(", ")} joined`);
    }
    if (now.status === "member" && before.status !== "member") {
      this.say("You are in the encrypted group. Media is end-to-end encrypted.");
    }
    if (now.securityCode !== null && now.securityCode !== before.securityCode) {
      this.update({ securityAnnouncement: `Security code is now ${now.securityCode}` });
    }
  }

  /**
   * The group context's roles changed (a commit every member applied): a new host, the lock.
   * Nothing is said for the first roles we learn, only for changes while we are in.
   */
  rolesChanged(before: RolesView | null, now: RolesView, roster: readonly RosterEntry[]): void {
    if (before === null) return;
    for (const text of roleChanges(before, now, roster)) this.notify("host", text);
    if (now.locked !== before.locked) {
      this.notify(
        "lock",
        now.locked
          ? "The meeting is locked: nobody new can join"
          : "The meeting is unlocked: people with the link can join",
      );
    }
  }
}

/** "Bo is now the host", "You are now a co-host": who gained a role, named from the roster. */
export function roleChanges(
  before: RolesView,
  now: RolesView,
  roster: readonly RosterEntry[],
): string[] {
  const said: string[] = [];
  const gained = (role: "hosts" | "coHosts", title: string) => {
    for (const fingerprint of now[role]) {
      if (before[role].includes(fingerprint)) continue;
      const who = roster.find((r) => r.fingerprint === fingerprint);
      if (who === undefined) continue;
      said.push(who.self ? `You are now ${title}` : `${who.name} is now ${title}`);
    }
  };
  gained("hosts", "the host");
  gained("coHosts", "a co-host");
  return said;
}
