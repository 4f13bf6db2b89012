import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createCommit,
  createGroup,
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackageWithKey,
} from "ts-mls";
import { isE2eeError } from "../errors.ts";
import { loadMlsCiphersuite } from "./ciphersuite.ts";
import { addMembers } from "./commits.ts";
import {
  checkDisplayName,
  createDeviceIdentity,
  credentialFor,
  type DeviceIdentity,
  decodeIdentity,
  encodeIdentity,
  fingerprintOf,
  formatFingerprint,
} from "./credential.ts";
import {
  CONCLAVE_GROUP_PIN,
  decodeGroupPin,
  encodeGroupPin,
  GROUP_PIN_EXTENSION_TYPE,
} from "./group-pin.ts";
import {
  decodeKeyPackage,
  KEY_PACKAGE_MAX_LIFETIME_SECONDS,
  makeKeyPackage,
  validateKeyPackage,
} from "./key-package.ts";
import { deriveSecurityCode, SECURITY_CODE_BITS } from "./security-code.ts";
import { createMeeting } from "./session.ts";
import { joinFromWelcome } from "./welcome.ts";

const MINUTE = 60_000;

async function device(name: string): Promise<DeviceIdentity> {
  return createDeviceIdentity(
    { displayName: name, deviceId: `${name}-1` },
    await loadMlsCiphersuite(),
  );
}

function throwsCode(run: () => unknown, code: string): void {
  assert.throws(run, (error: unknown) => isE2eeError(error) && error.code === code);
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isE2eeError(error), String(error));
    assert.equal(error.code, code);
    return true;
  });
}

/** A KeyPackage with an arbitrary lifetime, made past Conclave's own limits. */
async function rawKeyPackage(dev: DeviceIdentity, notBefore: bigint, notAfter: bigint, pin = true) {
  const suite = await loadMlsCiphersuite();
  const capabilities = defaultCapabilities();
  if (pin) capabilities.extensions = [...capabilities.extensions, GROUP_PIN_EXTENSION_TYPE];
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credentialFor(dev),
    capabilities,
    { notBefore, notAfter },
    [],
    { signKey: dev.signaturePrivateKey, publicKey: dev.signaturePublicKey },
    suite,
  );
  const encoded = encodeMlsMessage({
    version: "mls10",
    wireformat: "mls_key_package",
    keyPackage: publicPackage,
  });
  return { publicPackage, privatePackage, encoded };
}

describe("KeyPackages", () => {
  it("are made with a lifetime of at most 10 minutes and pass validation now", async () => {
    const now = Date.now();
    const bundle = await makeKeyPackage(await device("bob"), await loadMlsCiphersuite(), { now });
    const { notBefore, notAfter } =
      bundle.publicPackage.leafNode.leafNodeSource === "key_package"
        ? bundle.publicPackage.leafNode.lifetime
        : { notBefore: 0n, notAfter: 0n };
    assert.equal(notAfter - notBefore, BigInt(KEY_PACKAGE_MAX_LIFETIME_SECONDS));
    assert.ok(notAfter <= BigInt(Math.floor(now / 1000) + KEY_PACKAGE_MAX_LIFETIME_SECONDS));
    const identity = validateKeyPackage(decodeKeyPackage(bundle.encoded), { now });
    assert.deepEqual(identity, { deviceId: "bob-1" }, "the KeyPackage carries no display name");
    await rejectsWith(
      makeKeyPackage(await device("bob"), await loadMlsCiphersuite(), { lifetimeSeconds: 3600 }),
      "MLS_KEY_PACKAGE_LIFETIME_TOO_LONG",
    );
  });

  it("expired, future and too-long KeyPackages are refused before adding", async () => {
    const suite = await loadMlsCiphersuite();
    const alice = (await createMeeting(await device("alice"))).session;
    const now = Date.now();
    const expired = await makeKeyPackage(await device("old"), suite, { now: now - 11 * MINUTE });
    const future = await makeKeyPackage(await device("early"), suite, { now: now + 5 * MINUTE });
    const s = BigInt(Math.floor(now / 1000));
    const tooLong = await rawKeyPackage(await device("long"), s - 60n, s + 3600n);
    const forever = await rawKeyPackage(await device("forever"), 0n, 2n ** 63n - 1n);
    await rejectsWith(addMembers(alice, [expired.encoded], { now }), "MLS_KEY_PACKAGE_EXPIRED");
    await rejectsWith(
      addMembers(alice, [future.encoded], { now }),
      "MLS_KEY_PACKAGE_NOT_YET_VALID",
    );
    await rejectsWith(
      addMembers(alice, [tooLong.encoded], { now }),
      "MLS_KEY_PACKAGE_LIFETIME_TOO_LONG",
    );
    await rejectsWith(
      addMembers(alice, [forever.encoded], { now }),
      "MLS_KEY_PACKAGE_LIFETIME_TOO_LONG",
    );
    // One bad KeyPackage refuses the whole batch.
    const good = await makeKeyPackage(await device("good"), suite, { now });
    await rejectsWith(
      addMembers(alice, [good.encoded, expired.encoded], { now }),
      "MLS_KEY_PACKAGE_EXPIRED",
    );
    // Within a minute of skew is fine.
    const skewed = await makeKeyPackage(await device("skewed"), suite, { now: now - 30_000 });
    assert.doesNotThrow(() => validateKeyPackage(decodeKeyPackage(skewed.encoded), { now }));
  });

  it("KeyPackages without the pin capability, with a foreign credential, or garbage are refused", async () => {
    const alice = (await createMeeting(await device("alice"))).session;
    const s = BigInt(Math.floor(Date.now() / 1000));
    const noPin = await rawKeyPackage(await device("nopin"), s - 60n, s + 500n, false);
    await rejectsWith(addMembers(alice, [noPin.encoded]), "MLS_KEY_PACKAGE_INVALID");
    throwsCode(() => decodeKeyPackage(new Uint8Array([0, 1, 0, 5])), "MLS_KEY_PACKAGE_INVALID");
    throwsCode(() => decodeKeyPackage(new Uint8Array(0)), "MLS_KEY_PACKAGE_INVALID");
  });
});

describe("identity", () => {
  it("a credential carries the device id only, never the display name; bad ones refused", () => {
    const id = { deviceId: "phone 👋" };
    assert.deepEqual(decodeIdentity(encodeIdentity(id)), id);
    const withName = encodeIdentity({ deviceId: "x", displayName: "Ada" } as { deviceId: string });
    assert.ok(
      !new TextDecoder().decode(withName).includes("Ada"),
      "a name never reaches a credential",
    );
    throwsCode(() => encodeIdentity({ deviceId: "" }), "MLS_CREDENTIAL_INVALID");
    throwsCode(() => encodeIdentity({ deviceId: "a\u202eb" }), "MLS_CREDENTIAL_INVALID");
    throwsCode(() => encodeIdentity({ deviceId: "x".repeat(65) }), "MLS_CREDENTIAL_INVALID");
    throwsCode(() => checkDisplayName(""), "MLS_CREDENTIAL_INVALID");
    throwsCode(() => checkDisplayName("a\u202eb"), "MLS_CREDENTIAL_INVALID");
    throwsCode(() => checkDisplayName("x".repeat(129)), "MLS_CREDENTIAL_INVALID");
    throwsCode(() => decodeIdentity(Uint8Array.of(1, 1, 65)), "MLS_CREDENTIAL_INVALID");
    throwsCode(() => decodeIdentity(Uint8Array.of(2, 2, 65)), "MLS_CREDENTIAL_INVALID");
    throwsCode(() => decodeIdentity(Uint8Array.of(2, 1, 0xff)), "MLS_CREDENTIAL_INVALID");
  });

  it("the fingerprint is SHA-256 of the signature key, shown as hex groups", async () => {
    const dev = await device("alice");
    const fp = await fingerprintOf(dev.signaturePublicKey);
    assert.equal(fp.length, 32);
    assert.match(formatFingerprint(fp), /^[0-9a-f]{4}( [0-9a-f]{4}){15}$/);
  });
});

describe("group pin", () => {
  it("encodes in 6 bytes and round-trips", () => {
    const bytes = encodeGroupPin(CONCLAVE_GROUP_PIN);
    assert.equal(bytes.length, 6);
    assert.deepEqual(decodeGroupPin(bytes), CONCLAVE_GROUP_PIN);
    assert.equal(decodeGroupPin(Uint8Array.of(1, 0x03, 0, 4, 0, 3)), undefined);
    assert.equal(decodeGroupPin(bytes.subarray(0, 5)), undefined);
  });

  it("a joiner refuses a Welcome to a group without the pin", async () => {
    const suite = await loadMlsCiphersuite();
    const founder = await makeKeyPackage(await device("mallory"), suite);
    const state = await createGroup(
      new Uint8Array(16),
      founder.publicPackage,
      founder.privatePackage,
      [],
      suite,
    );
    const bob = await makeKeyPackage(await device("bob"), suite);
    const commit = await createCommit(
      { state, cipherSuite: suite },
      {
        extraProposals: [{ proposalType: "add", add: { keyPackage: bob.publicPackage } }],
        ratchetTreeExtension: true,
      },
    );
    assert.ok(commit.welcome);
    const welcome = encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_welcome",
      welcome: commit.welcome,
    });
    await rejectsWith(joinFromWelcome(bob, welcome), "MLS_GROUP_PIN_INVALID");
  });
});

describe("security code", () => {
  it("has at least 60 bits as 5 groups of 5 digits, and depends on the authenticator", async () => {
    assert.ok(SECURITY_CODE_BITS >= 60);
    const a = await deriveSecurityCode(new Uint8Array(32), 3n);
    const b = await deriveSecurityCode(new Uint8Array(32).fill(1), 3n);
    assert.match(a.digits, /^\d{5} \d{5} \d{5} \d{5} \d{5}$/);
    assert.notEqual(a.digits, b.digits);
    assert.equal((await deriveSecurityCode(new Uint8Array(32), 3n)).digits, a.digits);
  });
});
