import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClientMessage, parseServerMessage } from "./codec.ts";
import { isProtocolError } from "./errors.ts";

const keyPackage = "A".repeat(200);
const proof = "P".repeat(43);
const from = "p".repeat(16);

function refused(parse: () => unknown): boolean {
  try {
    parse();
  } catch (error) {
    return isProtocolError(error) && error.code === "BAD_MESSAGE";
  }
  return false;
}

describe("mls-key-package and its admission proof", () => {
  it("a KeyPackage goes with a 32-byte proof or, for a knock, without one", () => {
    for (const message of [
      { type: "mls-key-package", keyPackage, proof },
      { type: "mls-key-package", keyPackage },
    ]) {
      assert.deepEqual(parseClientMessage(JSON.stringify(message)), message);
      const relay = { ...message, from };
      assert.deepEqual(parseServerMessage(JSON.stringify(relay)), relay);
    }
  });

  it("a proof that is not 32 bytes of base64url is refused", () => {
    for (const bad of ["P".repeat(42), "P".repeat(44), `${"P".repeat(42)}=`, "", 7, null]) {
      const message = { type: "mls-key-package", keyPackage, proof: bad };
      assert.ok(
        refused(() => parseClientMessage(JSON.stringify(message))),
        String(bad),
      );
      assert.ok(refused(() => parseServerMessage(JSON.stringify({ ...message, from }))));
    }
  });

  it("a sealed name spans a 1- to 128-byte name (IV, ciphertext, tag), nothing else", () => {
    // 12 + 1 + 16 bytes is 39 base64url characters; 12 + 128 + 16 is 208.
    for (const name of ["N".repeat(39), "N".repeat(208)]) {
      const message = { type: "mls-key-package", keyPackage, proof, name };
      assert.deepEqual(parseClientMessage(JSON.stringify(message)), message);
      const relay = { ...message, from };
      assert.deepEqual(parseServerMessage(JSON.stringify(relay)), relay);
    }
    for (const bad of ["N".repeat(38), "N".repeat(209), `${"N".repeat(40)}=`, 7]) {
      const message = { type: "mls-key-package", keyPackage, proof, name: bad };
      assert.ok(
        refused(() => parseClientMessage(JSON.stringify(message))),
        String(bad),
      );
    }
  });
});

describe("failure reports and the rollback that relays them", () => {
  const commitRef = "R".repeat(43);
  const signature = "S".repeat(86);

  it("a report names its epoch, commit, leaf and signature; a rollback carries the commit and reports", () => {
    const report = { type: "mls-commit-failed", epoch: 3, commitRef, leaf: 2, signature };
    assert.deepEqual(parseClientMessage(JSON.stringify(report)), report);
    const rollback = {
      type: "mls-rollback",
      epoch: 3,
      commit: keyPackage,
      reports: [
        { leaf: 2, signature },
        { leaf: 4, signature },
      ],
    };
    assert.deepEqual(parseServerMessage(JSON.stringify(rollback)), rollback);
  });

  it("an unsigned report, a bare rollback or one without reports is refused", () => {
    for (const bad of [
      { type: "mls-commit-failed", epoch: 3 },
      { type: "mls-commit-failed", epoch: 3, commitRef, leaf: 2 },
      { type: "mls-commit-failed", epoch: 3, commitRef: "R".repeat(42), leaf: 2, signature },
      { type: "mls-commit-failed", epoch: 3, commitRef, leaf: 4096, signature },
      { type: "mls-commit-failed", epoch: 3, commitRef, leaf: 2, signature: `${signature}=` },
    ]) {
      assert.ok(
        refused(() => parseClientMessage(JSON.stringify(bad))),
        JSON.stringify(bad),
      );
    }
    for (const bad of [
      { type: "mls-rollback", epoch: 3 },
      { type: "mls-rollback", epoch: 3, commit: keyPackage, reports: [] },
      { type: "mls-rollback", epoch: 3, commit: keyPackage, reports: [{ leaf: 1 }] },
      {
        type: "mls-rollback",
        epoch: 3,
        commit: keyPackage,
        reports: [{ leaf: 1, signature, extra: 1 }],
      },
    ]) {
      assert.ok(
        refused(() => parseServerMessage(JSON.stringify(bad))),
        JSON.stringify(bad),
      );
    }
  });
});
