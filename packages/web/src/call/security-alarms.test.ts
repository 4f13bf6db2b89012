import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WorkerToPageSchema } from "../worker/messages.ts";
import { SecurityAlarms } from "./security-alarms.ts";

const group = (epoch: string) => ({
  status: "member" as const,
  epoch,
  ownLeaf: 0,
  securityCode: null,
  ciphersuite: null,
  roster: [
    { leaf: 2, name: "Ben", fingerprint: "", self: false, nameConfirmed: true, comparison: null },
  ],
  failure: null,
  removedBy: null,
});
const isWorkerToPage = (value: unknown) => WorkerToPageSchema.safeParse(value).success;
const fp = Array.from({ length: 16 }, () => "ab12").join(" ");

describe("security alarms (page store)", () => {
  it("one banner per active alarm; cleared alarms go; group split names the member", () => {
    const store = new SecurityAlarms();
    store.setGroup(group("4"));
    store.receive({ kind: "newer-epoch", active: true });
    store.receive({ kind: "group-split", leaf: 2, active: true });
    store.receive({ kind: "unknown-participant", participantId: "abcdefghijklmnop", active: true });
    assert.deepEqual(
      store.state.alarms.map((a) => a.kind),
      ["newer-epoch", "group-split", "unknown-participant"],
    );
    assert.match(store.state.alarms[1]?.text ?? "", /Media from Ben cannot be authenticated/);
    assert.match(store.state.alarms[2]?.text ?? "", /\(abcdefgh\)/);
    store.receive({ kind: "newer-epoch", active: false });
    store.receive({ kind: "group-split", leaf: 2, active: false });
    assert.deepEqual(
      store.state.alarms.map((a) => a.kind),
      ["unknown-participant"],
    );
  });

  it("a withheld commit's alarm stays until the epoch moves past it", () => {
    const store = new SecurityAlarms();
    store.receive({ kind: "withheld-commit", epoch: "7" });
    store.setGroup(group("7"));
    assert.match(store.state.alarms[0]?.text ?? "", /did not deliver your last change/);
    store.setGroup(group("8"));
    assert.deepEqual(store.state.alarms, []);
  });

  it("the log keeps reason, fingerprint and time; messages are validated", () => {
    const event = { at: 1_700_000_000_000, reason: "proof-invalid", fingerprint: fp, epoch: "3" };
    assert.ok(isWorkerToPage({ type: "security-event", event }));
    assert.ok(!isWorkerToPage({ type: "security-event", event: { ...event, fingerprint: "Ben" } }));
    assert.ok(!isWorkerToPage({ type: "security-event", event: { ...event, reason: "<b>" } }));
    assert.ok(
      isWorkerToPage({ type: "alarm", alarm: { kind: "group-split", leaf: 2, active: true } }),
    );
    assert.ok(
      !isWorkerToPage({ type: "alarm", alarm: { kind: "group-split", leaf: -1, active: true } }),
    );
    assert.ok(!isWorkerToPage({ type: "alarm", alarm: { kind: "withheld-commit", epoch: 7 } }));
    assert.ok(!isWorkerToPage({ type: "alarm", alarm: { kind: "other" } }));
    const store = new SecurityAlarms();
    store.logEntry(event);
    assert.deepEqual(store.state.log, [event]);
  });
});
