// The post-quantum suite (X-Wing: ML-KEM-768 + X25519) on ts-mls 1.6.4, and that a meeting's suite
// is fixed for its life: no KeyPackage or Welcome of another suite gets in.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex } from "../sframe/bytes.ts";
import { TestMeeting } from "../testing/test-meeting.ts";
import { loadMlsCiphersuite, type MlsCiphersuiteName } from "./ciphersuite.ts";
import { addMembers, removeMembers } from "./commits.ts";
import { createDeviceIdentity } from "./credential.ts";
import { processIncoming } from "./incoming.ts";
import { decodeKeyPackage, keyPackageRef, makeKeyPackage } from "./key-package.ts";
import { createMeeting, exportSecret, sealApplicationMessage } from "./session.ts";
import { joinFromWelcome } from "./welcome.ts";

const XWING: MlsCiphersuiteName = "MLS_256_XWING_AES256GCM_SHA512_Ed25519";
const CLASSIC: MlsCiphersuiteName = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";

async function device(name: string) {
  return createDeviceIdentity({ displayName: name, deviceId: name }, await loadMlsCiphersuite());
}

describe("MLS cipher suites", () => {
  it("an X-Wing meeting adds, removes and talks like any other", async () => {
    const xwing = await loadMlsCiphersuite(XWING);
    const founded = await createMeeting(await device("ada"), { ciphersuite: XWING });
    assert.equal(founded.session.suite.name, XWING);
    const bundles = await Promise.all(
      ["ben", "cyd"].map(async (n) => makeKeyPackage(await device(n), xwing)),
    );
    const add = await addMembers(
      founded.session,
      bundles.map((b) => b.encoded),
    );
    const [ben, cyd] = await Promise.all(
      bundles.map(async (b) => (await joinFromWelcome(b, add.welcome)).session),
    );
    assert.ok(ben && cyd);
    const remove = await removeMembers(add.session, [2]);
    const benAfter = (await processIncoming(ben, remove.commit)).session;
    const secret = async (s: typeof ben) => toHex(await exportSecret(s, "t", new Uint8Array(), 32));
    assert.equal(await secret(benAfter), await secret(remove.session));
    const sealed = await sealApplicationMessage(benAfter, new TextEncoder().encode("pq"));
    assert.equal((await processIncoming(remove.session, sealed.message)).event.kind, "application");
    // The KeyPackageRef uses the suite's own hash (SHA-512 here), RFC 9420 §5.2.
    const ref = await keyPackageRef(decodeKeyPackage(bundles[0]?.encoded ?? new Uint8Array()));
    assert.equal(ref.length, 64);
  });

  it("a meeting's suite is fixed: a KeyPackage of the other suite is not added, nor joined by Welcome", async () => {
    const classic = await loadMlsCiphersuite(CLASSIC);
    const xwing = await loadMlsCiphersuite(XWING);
    const pq = await createMeeting(await device("ada"), { ciphersuite: XWING });
    const old = await makeKeyPackage(await device("old"), classic);
    await assert.rejects(addMembers(pq.session, [old.encoded]), {
      code: "MLS_KEY_PACKAGE_INVALID",
    });
    const classicMeeting = await createMeeting(await device("cy"), { ciphersuite: CLASSIC });
    const pqJoiner = await makeKeyPackage(await device("pq"), xwing);
    await assert.rejects(addMembers(classicMeeting.session, [pqJoiner.encoded]));
  });

  it("the member engine runs an X-Wing meeting: proofs and Welcome tags over its 64-byte KeyPackageRefs", async () => {
    const meeting = new TestMeeting();
    for (const name of ["ada", "ben", "cyd"]) await meeting.connect(name, { ciphersuite: XWING });
    await meeting.converge(10_000);
    for (const p of meeting.present) {
      assert.equal(p.member.roster.length, 3, p.name);
      assert.deepEqual(p.errors, [], p.name);
    }
  });
});
