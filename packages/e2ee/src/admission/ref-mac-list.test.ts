import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isE2eeError } from "../errors.ts";
import type { KeyPackageRef } from "../mls/key-package.ts";
import { decodeRefMacList, encodeRefMacList, macFor, type RefMac } from "./ref-mac-list.ts";

const ref = (n: number) => new Uint8Array(32).fill(n) as KeyPackageRef;
const mac = (n: number) => new Uint8Array(32).fill(0x80 | n);

describe("ref/mac list codec", () => {
  it("round-trips one and many entries, and finds each mac by its ref", () => {
    for (const count of [1, 2, 255]) {
      const entries: RefMac[] = Array.from({ length: count }, (_, i) => ({
        ref: ref(i),
        mac: mac(i % 100),
      }));
      const bytes = encodeRefMacList(entries);
      assert.equal(bytes.length, 2 + 64 * count);
      const decoded = decodeRefMacList(bytes);
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.entries, entries);
      assert.deepEqual(macFor(decoded.entries, ref(count - 1)), mac((count - 1) % 100));
      assert.equal(macFor(decoded.entries, ref(count)), undefined);
    }
  });

  it("the layout is version 1 | count | ref | mac", () => {
    const bytes = encodeRefMacList([{ ref: ref(1), mac: mac(2) }]);
    assert.deepEqual([...bytes.subarray(0, 3)], [1, 1, 1]);
    assert.equal(bytes[34], 0x82);
  });

  it("refuses every malformed list with a reason, never a throw", () => {
    const good = encodeRefMacList([
      { ref: ref(1), mac: mac(1) },
      { ref: ref(2), mac: mac(2) },
    ]);
    const cases: [string, Uint8Array][] = [
      ["empty input", new Uint8Array()],
      ["version 2", Uint8Array.of(2, ...good.subarray(1))],
      ["zero entries", Uint8Array.of(1, 0)],
      ["one byte short", good.subarray(0, good.length - 1)],
      ["a trailing byte", Uint8Array.of(...good, 0)],
      ["count says three", Uint8Array.of(1, 3, ...good.subarray(2))],
      ["a count with no entry", Uint8Array.of(1, 1)],
    ];
    const repeated = Uint8Array.of(...good);
    repeated.set(ref(1), 2 + 64);
    cases.push(["a repeated ref", repeated]);
    for (const [what, bytes] of cases) {
      assert.equal(decodeRefMacList(bytes).ok, false, what);
    }
  });

  it("the encoder refuses misuse: no entries, wrong widths, a ref twice", () => {
    const misuse = (entries: RefMac[]) =>
      assert.throws(
        () => encodeRefMacList(entries),
        (e: unknown) => isE2eeError(e) && e.code === "E2EE_USAGE",
      );
    misuse([]);
    misuse([{ ref: new Uint8Array(31) as KeyPackageRef, mac: mac(1) }]);
    misuse([{ ref: ref(1), mac: new Uint8Array(16) }]);
    misuse([
      { ref: ref(1), mac: mac(1) },
      { ref: ref(1), mac: mac(2) },
    ]);
  });
});
