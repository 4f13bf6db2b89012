import assert from "node:assert/strict";
import { test } from "node:test";
import { describeMediaPath, mediaPathOf } from "./media-path.ts";

function report(local: Record<string, unknown>, selected = "pair") {
  return new Map<string, Record<string, unknown>>([
    ["t", { type: "transport", selectedCandidatePairId: selected }],
    ["pair", { type: "candidate-pair", localCandidateId: "local" }],
    ["other", { type: "candidate-pair", localCandidateId: "host" }],
    ["host", { type: "local-candidate", candidateType: "host", protocol: "udp" }],
    ["local", { type: "local-candidate", ...local }],
  ]);
}

test("the selected pair's local candidate says whether media goes through the relay, and how", () => {
  const relayTls = mediaPathOf(
    report({ candidateType: "relay", protocol: "udp", relayProtocol: "tls" }),
  );
  assert.deepEqual(relayTls, { route: "relay", transport: "tls" });
  assert.equal(describeMediaPath(relayTls), "through the relay, TLS");
  assert.deepEqual(
    mediaPathOf(report({ candidateType: "relay", protocol: "udp", relayProtocol: "tcp" })),
    { route: "relay", transport: "tcp" },
  );
  const direct = mediaPathOf(report({ candidateType: "srflx", protocol: "udp" }));
  assert.deepEqual(direct, { route: "direct", transport: "udp" });
  assert.equal(describeMediaPath(direct), "direct, UDP");
});

test("no selected pair is no path", () => {
  assert.equal(mediaPathOf(report({}, "missing")), null);
  assert.equal(mediaPathOf(new Map()), null);
  assert.equal(describeMediaPath(null), "not connected");
});
