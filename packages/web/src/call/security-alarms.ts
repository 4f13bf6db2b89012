import type { AlarmView, GroupView, SecurityLogEntry } from "../worker/reports.ts";
import { Store } from "./store.ts";

/** An alarm being shown, with the words that say what it means and what to do. */
export interface ShownAlarm {
  /** stable per alarm: one banner each */
  readonly key: string;
  readonly kind: AlarmView["kind"];
  readonly text: string;
}

export interface SecurityAlarmsState {
  readonly alarms: readonly ShownAlarm[];
  /** newest last, at most MAX_LOG lines */
  readonly log: readonly SecurityLogEntry[];
}

export const MAX_LOG = 200;

/** A participant id as people can read it back to each other: its first 8 characters. */
export const shortId = (id: string) => id.slice(0, 8);

/** What an alarm means and what to do (docs/e2ee.md "Alarms"); `name` from the MLS roster. */
export function alarmText(alarm: AlarmView, name: (leaf: number) => string): string {
  switch (alarm.kind) {
    case "withheld-commit":
      return (
        "The server did not deliver your last change to the group within 2 s. It may be " +
        "withholding messages: someone removed may still receive the meeting. If this persists, " +
        "end the meeting and start a new one."
      );
    case "unknown-participant":
      return (
        `The server lists a participant (${shortId(alarm.participantId)}) who has not joined the ` +
        "encrypted group. They cannot decrypt anything, but the server is showing someone who is " +
        "not in the group. Compare the security code with everyone present."
      );
    case "newer-epoch":
      return (
        "The group moved on without you; catching up. Your camera and microphone are paused " +
        "until then, and you rejoin automatically if it takes more than a few seconds."
      );
    case "group-split":
      return (
        `Media from ${name(alarm.leaf)} cannot be authenticated: the group may have split, or ` +
        "someone is sending under their name. Compare the security code with them."
      );
    case "forged-rollback":
      return (
        "The server tried to undo a change the group made (a removal, a block or a setting) " +
        "without the members' signed agreement. It was refused. The server may be hostile: " +
        "compare the security code with everyone present."
      );
    case "rolled-back":
      return (
        `Most members could not apply a change made by the device ${alarm.committer ?? "unknown"}` +
        ", so it was undone on their signed reports. Anything it did (a removal, a setting) is " +
        "being made again; check the people list and the security code."
      );
  }
}

function keyOf(alarm: AlarmView): string {
  switch (alarm.kind) {
    case "withheld-commit":
      return "withheld-commit";
    case "unknown-participant":
      return `unknown-participant/${alarm.participantId}`;
    case "newer-epoch":
      return "newer-epoch";
    case "group-split":
      return `group-split/${alarm.leaf}`;
    case "forged-rollback":
    case "rolled-back":
      return `${alarm.kind}/${alarm.epoch}`;
  }
}

/**
 * The alarms and the security log the worker reports (messages.ts `alarm`, `security-event`), for
 * the banners and the Security panel. A withheld-commit alarm has no "cleared" of its own: it stays
 * until the group's epoch moves past the withheld commit's, which means a commit got through.
 */
export class SecurityAlarms extends Store<SecurityAlarmsState> {
  private withheldEpoch: bigint | undefined;
  private names: ReadonlyMap<number, string> = new Map();

  constructor() {
    super({ alarms: [], log: [] });
  }

  logEntry(event: SecurityLogEntry): void {
    this.update({ log: [...this.state.log, event].slice(-MAX_LOG) });
  }

  receive(alarm: AlarmView): void {
    const key = keyOf(alarm);
    const others = this.state.alarms.filter((a) => a.key !== key);
    const active = "active" in alarm ? alarm.active : true;
    if (alarm.kind === "withheld-commit") this.withheldEpoch = BigInt(alarm.epoch);
    const name = (leaf: number) => this.names.get(leaf) ?? `the member at leaf ${leaf}`;
    const shown = { key, kind: alarm.kind, text: alarmText(alarm, name) };
    this.update({ alarms: active ? [...others, shown] : others });
  }

  /** The group changed: names for new alarms; a withheld commit's alarm ends with its epoch. */
  setGroup(group: GroupView): void {
    this.names = new Map(group.roster.map((r) => [r.leaf, r.name]));
    const epoch = group.epoch === null ? undefined : BigInt(group.epoch);
    if (this.withheldEpoch !== undefined && epoch !== undefined && epoch > this.withheldEpoch) {
      this.withheldEpoch = undefined;
      this.update({ alarms: this.state.alarms.filter((a) => a.kind !== "withheld-commit") });
    }
  }
}
