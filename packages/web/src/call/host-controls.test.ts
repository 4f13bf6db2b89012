import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { HostControls, waitingCards } from "./host-controls.ts";

const kim = "k".repeat(16) as ParticipantId;
const lou = "l".repeat(16) as ParticipantId;

function controls(): HostControls {
  return new HostControls(
    async () => true,
    () => {},
    { notify: () => {}, handLowered: () => {} },
  );
}

describe("knocks on a host's page", () => {
  it("a knock whose connection dropped keeps its place, marked away, until it is back", () => {
    const host = controls();
    host.receive({ type: "knock", from: kim, name: "Kim" });
    host.receive({ type: "knock", from: lou, name: "Lou" });
    host.receive({ type: "knock-away", from: kim });
    assert.deepEqual(
      host.state.knocks.map((k) => [k.claimedName, k.away]),
      [
        ["Kim", true],
        ["Lou", false],
      ],
    );
    assert.equal(host.state.announcement, "Kim is reconnecting");
    host.receive({ type: "knock", from: kim, name: "Kim" });
    assert.deepEqual(
      host.state.knocks.map((k) => [k.claimedName, k.away]),
      [
        ["Kim", false],
        ["Lou", false],
      ],
      "back in its place, not behind Lou",
    );
    assert.equal(host.state.announcement, "Kim is back");
    host.receive({ type: "knock-ended", from: kim, reason: "left" });
    assert.deepEqual(
      host.state.knocks.map((k) => k.claimedName),
      ["Lou"],
    );
  });

  it("an away knock we never listed (taken over from another server) adds no card", () => {
    const host = controls();
    host.receive({ type: "knock-away", from: kim });
    assert.deepEqual(host.state.knocks, []);
  });

  it("a card offers Admit only for the upload still waiting: none once it ended", () => {
    const host = controls();
    host.receive({ type: "knock", from: kim, name: "Kim" });
    host.receive({ type: "knock-away", from: kim });
    const upload = { fingerprint: "ab".repeat(32), name: null, keyPackageRef: "cd".repeat(32) };
    const [held] = waitingCards(host.state.knocks, [], { [kim]: upload });
    assert.equal(held?.away, true);
    assert.equal(held?.keyPackageRef, upload.keyPackageRef, "admitting it lets Kim in when back");
    const [gone] = waitingCards(host.state.knocks, [], {});
    assert.equal(gone?.keyPackageRef, null, "nothing to admit until Kim brings a new upload");
  });

  it("back from a drop, a knock that ended while we were away is no longer listed", () => {
    const host = controls();
    host.receive({ type: "knock", from: kim, name: "Kim" });
    host.receive({ type: "knock", from: lou, name: "Lou" });
    host.receive({ type: "knocks-waiting", waiting: [lou] });
    assert.deepEqual(
      host.state.knocks.map((k) => k.claimedName),
      ["Lou"],
    );
  });
});
