// A device whose MLS signing key is a non-extractable WebCrypto key: its bytes cannot be read, and
// everything it signs verifies for members whose keys are raw bytes, and the other way round.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { subtle } from "../sframe/webcrypto.ts";
import { loadMlsCiphersuite } from "./ciphersuite.ts";
import { addMembers, removeMembers, selfUpdate } from "./commits.ts";
import { createDeviceIdentity } from "./credential.ts";
import { processIncoming } from "./incoming.ts";
import { makeKeyPackage } from "./key-package.ts";
import { createMeeting, sealApplicationMessage } from "./session.ts";
import {
  deviceIdentityWithKey,
  generateSigningKey,
  isSigningKeyHandle,
  SIGNING_KEY_HANDLE_BYTES,
} from "./signing-key.ts";
import { joinFromWelcome } from "./welcome.ts";

const utf8 = new TextEncoder();

async function keptDevice(name: string) {
  const { publicKey, privateKey } = await generateSigningKey();
  return {
    privateKey,
    identity: deviceIdentityWithKey(
      { displayName: name, deviceId: `${name}-web` },
      publicKey,
      privateKey,
    ),
  };
}

describe("non-extractable device signing key", () => {
  it("the private key cannot be exported, and the identity carries only a handle to it", async () => {
    const { privateKey, identity } = await keptDevice("ada");
    assert.equal(privateKey.extractable, false);
    await assert.rejects(subtle().exportKey("pkcs8", privateKey));
    await assert.rejects(subtle().exportKey("raw", privateKey));
    await assert.rejects(subtle().exportKey("jwk", privateKey));
    assert.equal(identity.signaturePrivateKey.length, SIGNING_KEY_HANDLE_BYTES);
    assert.ok(isSigningKeyHandle(identity.signaturePrivateKey));
  });

  it("a group founded by such a device works with raw-key members both ways", async () => {
    const suite = await loadMlsCiphersuite();
    const { identity: ada } = await keptDevice("ada");
    const bob = await createDeviceIdentity({ displayName: "bob", deviceId: "bob-bot" }, suite);
    const founded = await createMeeting(ada);
    const bobBundle = await makeKeyPackage(bob, suite);
    // Ada signs the commit, the GroupInfo and her leaf; Bob's join verifies them.
    const add = await addMembers(founded.session, [bobBundle.encoded]);
    let bobSession = (await joinFromWelcome(bobBundle, add.welcome)).session;
    let adaSession = add.session;
    const update = await selfUpdate(adaSession);
    adaSession = update.session;
    bobSession = (await processIncoming(bobSession, update.commit)).session;
    const fromAda = await sealApplicationMessage(adaSession, utf8.encode("hello from a kept key"));
    adaSession = fromAda.session;
    const opened = await processIncoming(bobSession, fromAda.message);
    assert.equal(opened.event.kind, "application");
    // And Ada verifies Bob's signatures.
    const fromBob = await selfUpdate(opened.session);
    adaSession = (await processIncoming(adaSession, fromBob.commit)).session;
    assert.equal(adaSession.epoch, fromBob.session.epoch);
  });

  it("such a device joins by KeyPackage, and its own commits verify for the others", async () => {
    const suite = await loadMlsCiphersuite();
    const bob = await createDeviceIdentity({ displayName: "bob", deviceId: "bob-bot" }, suite);
    const { identity: cy } = await keptDevice("cy");
    const founded = await createMeeting(bob);
    const cyBundle = await makeKeyPackage(cy, suite);
    const add = await addMembers(founded.session, [cyBundle.encoded]);
    const cySession = (await joinFromWelcome(cyBundle, add.welcome)).session;
    const remove = await removeMembers(cySession, [0]);
    const bobAfter = await processIncoming(add.session, remove.commit);
    assert.equal(bobAfter.event.kind, "commit");
    assert.equal(bobAfter.session.active, false, "Bob applied Cy's signed Remove of him");
  });

  it("a handle made by another worker signs nothing", async () => {
    const suite = await loadMlsCiphersuite();
    const forged = new Uint8Array(SIGNING_KEY_HANDLE_BYTES);
    forged.set(utf8.encode("CNCLKEY1"));
    assert.ok(isSigningKeyHandle(forged));
    await assert.rejects(suite.signature.sign(forged, utf8.encode("x")), { code: "E2EE_USAGE" });
  });
});
