// Parsers and the receive path fed random and mutated input: they refuse with a typed error (or,
// for pure decoders, undefined), never with anything else, and never change the session.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isE2eeError } from "../errors.ts";
import { seededRandom } from "../testing/seeded-random.ts";
import { loadMlsCiphersuite } from "./ciphersuite.ts";
import { addMembers, selfUpdate } from "./commits.ts";
import { createDeviceIdentity, decodeIdentity } from "./credential.ts";
import { decodeGroupPin } from "./group-pin.ts";
import { processIncoming } from "./incoming.ts";
import { decodeKeyPackage, makeKeyPackage } from "./key-package.ts";
import { createMeeting } from "./session.ts";
import { joinFromWelcome } from "./welcome.ts";

function randomBytes(next: () => number, max: number): Uint8Array {
  const out = new Uint8Array(Math.floor(next() * max));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

function typedOrNothing(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(isE2eeError(error), `untyped error: ${String(error)}`);
  }
}

describe("MLS parsers under fuzzing", () => {
  it("identity, pin and KeyPackage decoders refuse random bytes with typed errors", () => {
    const next = seededRandom(0xc0ffee);
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(next, 80);
      typedOrNothing(() => decodeIdentity(bytes));
      typedOrNothing(() => decodeKeyPackage(bytes));
      const pin = decodeGroupPin(bytes);
      if (pin !== undefined) assert.equal(bytes.length, 6);
    }
  });

  it("mutated commits and application messages fail typed and leave the session as it was", async () => {
    const suite = await loadMlsCiphersuite();
    const dev = (n: string) => createDeviceIdentity({ displayName: n, deviceId: n }, suite);
    const founder = await createMeeting(await dev("alice"));
    const bobKp = await makeKeyPackage(await dev("bob"), suite);
    const add = await addMembers(founder.session, [bobKp.encoded]);
    const bob = (await joinFromWelcome(bobKp, add.welcome)).session;
    const commit = (await selfUpdate(add.session)).commit;
    const next = seededRandom(0x5eed);
    let accepted = 0;
    for (let i = 0; i < 60; i++) {
      const mutated = commit.slice();
      const flips = 1 + Math.floor(next() * 3);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(next() * mutated.length);
        mutated[at] = (mutated[at] ?? 0) ^ (1 + Math.floor(next() * 255));
      }
      try {
        await processIncoming(bob, mutated);
        accepted++;
      } catch (error) {
        assert.ok(isE2eeError(error), `untyped error: ${String(error)}`);
      }
    }
    assert.equal(accepted, 0, "a signed, tagged commit survives no byte flip");
    for (let i = 0; i < 60; i++) {
      await assert.rejects(processIncoming(bob, randomBytes(next, 400)), (error: unknown) =>
        isE2eeError(error),
      );
    }
    assert.equal(bob.epoch, 1n);
    assert.equal((await processIncoming(bob, commit)).session.epoch, 2n);
  });
});
