import type { RosterEntry } from "../worker/reports.ts";
import { Store } from "./store.ts";

/**
 * Fingerprints this person has verified (compared out of band) and the name each was verified
 * under, kept in this browser only. A member whose name was verified with another fingerprint is
 * a key change: perhaps a new device, perhaps someone else; either way, people are told loudly.
 */
export interface Pins {
  /** fingerprint (as the roster shows it) → name it was verified under */
  readonly byFingerprint: Readonly<Record<string, string>>;
}

export type Verification = "verified" | "unverified" | "key-changed";

const STORAGE_KEY = "conclave.verified";
const sameName = (a: string, b: string) => a.toLocaleLowerCase() === b.toLocaleLowerCase();

function load(storage: Storage | null): Pins["byFingerprint"] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "{}");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter(
        (e): e is [string, string] => typeof e[1] === "string" && /^[0-9a-f ]{16,200}$/.test(e[0]),
      ),
    );
  } catch {
    return {};
  }
}

export class VerifiedPins extends Store<Pins> {
  constructor(private readonly storage: Storage | null = globalThis.localStorage ?? null) {
    super({ byFingerprint: load(storage) });
  }

  /** What this device knows of a member: verified, never verified, or a name verified elsewhere. */
  check(name: string, fingerprint: string): Verification {
    const pinned = this.state.byFingerprint;
    if (pinned[fingerprint] !== undefined) return "verified";
    const bare = name.replace(/ \([0-9a-f]{4}\)$/, "");
    const elsewhere = Object.entries(pinned).some(
      ([fp, pinnedName]) => fp !== fingerprint && sameName(pinnedName, bare),
    );
    return elsewhere ? "key-changed" : "unverified";
  }

  /** The leaves of the members this device verified, for the marks on tiles and in People. */
  verifiedLeaves(roster: readonly RosterEntry[]): number[] {
    return roster
      .filter((r) => !r.self && r.nameConfirmed && this.check(r.name, r.fingerprint) === "verified")
      .map((r) => r.leaf);
  }

  verify(name: string, fingerprint: string): void {
    this.save({
      ...this.state.byFingerprint,
      [fingerprint]: name.replace(/ \([0-9a-f]{4}\)$/, ""),
    });
  }

  forget(fingerprint: string): void {
    const { [fingerprint]: _, ...rest } = this.state.byFingerprint;
    this.save(rest);
  }

  private save(byFingerprint: Pins["byFingerprint"]): void {
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(byFingerprint));
    } catch {
      // Storage refused (private browsing): the pin holds for this page only.
    }
    this.update({ byFingerprint });
  }
}
