import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { mutate, seededRandom } from "./fuzz.test-support.ts";
import { parseOggOpus, readOggPackets, writeOggPage } from "./ogg.ts";

const opusHead = new Uint8Array([
  ...new TextEncoder().encode("OpusHead"),
  1, // version
  1, // channels
  0x38,
  0x01, // pre-skip 312
  0x80,
  0xbb,
  0,
  0, // 48000
  0,
  0, // gain
  0, // mapping family
]);
const opusTags = new Uint8Array([...new TextEncoder().encode("OpusTags"), 0, 0, 0, 0, 0, 0, 0, 0]);

/** Duration of an Opus packet from its TOC byte (RFC 6716 §3.1), in milliseconds. */
function opusPacketMs(packet: Uint8Array): number {
  const toc = packet[0] ?? 0;
  const config = toc >> 3;
  const frameMs =
    config < 12
      ? [10, 20, 40, 60][config % 4]
      : config < 16
        ? [10, 20][config % 2]
        : [2.5, 5, 10, 20][config % 4];
  const code = toc & 3;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  return (frameMs ?? 0) * frames;
}

function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value);
}

/** Lacing values for one packet that ends on this page. */
function lace(length: number): number[] {
  return [...Array(Math.floor(length / 255)).fill(255), length % 255];
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function file(): { bytes: Uint8Array; audio: Uint8Array[] } {
  const serial = 0x1234;
  const small = filled(40, 7);
  const exact = filled(255, 8); // needs a trailing 0 lacing value to end
  const big = filled(600, 9); // spans two pages
  const page0 = writeOggPage({
    flags: 2,
    granule: 0n,
    serial,
    sequence: 0,
    lacing: lace(19),
    body: opusHead,
  });
  const page1 = writeOggPage({
    flags: 0,
    granule: 0n,
    serial,
    sequence: 1,
    lacing: lace(16),
    body: opusTags,
  });
  const page2 = writeOggPage({
    flags: 0,
    granule: 960n,
    serial,
    sequence: 2,
    lacing: [...lace(40), ...lace(255), 255, 255],
    body: concat(small, exact, big.subarray(0, 510)),
  });
  const page3 = writeOggPage({
    flags: 1 | 4,
    granule: 2880n,
    serial,
    sequence: 3,
    lacing: [90],
    body: big.subarray(510),
  });
  return { bytes: concat(page0, page1, page2, page3), audio: [small, exact, big] };
}

describe("ogg", () => {
  it("skips OpusHead and OpusTags and rebuilds laced and continued packets", () => {
    const { bytes, audio } = file();
    const result = parseOggOpus(bytes);
    assert.ok(result.ok, result.ok ? "" : result.error.message);
    assert.equal(result.value.channels, 1);
    assert.equal(result.value.preSkip, 312);
    assert.equal(result.value.inputSampleRate, 48000);
    assert.deepEqual(
      result.value.packets.map((p) => [...p]),
      audio.map((p) => [...p]),
    );
  });

  it("reads the shipped clip: 500 mono packets of 20 ms", () => {
    const result = parseOggOpus(readFileSync(new URL("../media/clip.ogg", import.meta.url)));
    assert.ok(result.ok);
    assert.equal(result.value.channels, 1);
    assert.ok(result.value.packets.length >= 500 && result.value.packets.length <= 502);
    for (const p of result.value.packets) assert.equal(opusPacketMs(p), 20);
  });

  it("rejects a corrupted page by its CRC", () => {
    const { bytes } = file();
    const copy = bytes.slice();
    copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0xff;
    const result = readOggPackets(copy);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error.message, /CRC/);
  });

  it("rejects a file cut inside a page", () => {
    const { bytes } = file();
    const result = readOggPackets(bytes.subarray(0, bytes.length - 10));
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.error.code, "BAD_OGG");
  });

  it("rejects a stream that ends inside a packet", () => {
    const { bytes } = file();
    const lastPage = bytes.length - (27 + 1 + 90);
    const result = readOggPackets(bytes.subarray(0, lastPage));
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error.message, /inside a packet/);
  });

  it("rejects something that is not Ogg", () => {
    const result = parseOggOpus(new TextEncoder().encode("this is not an ogg file at all, sorry"));
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error.message, /OggS/);
  });

  it("rejects an Ogg stream that is not Opus", () => {
    const page = writeOggPage({
      flags: 2,
      granule: 0n,
      serial: 1,
      sequence: 0,
      lacing: [3],
      body: filled(3, 1),
    });
    const result = parseOggOpus(page);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error.message, /OpusHead/);
  });
  it("never throws on mutated or truncated input (2000 seeded cases)", () => {
    const original = new Uint8Array(
      readFileSync(new URL("../media/clip.ogg", import.meta.url)).subarray(0, 6000),
    );
    const random = seededRandom(0x2e7);
    for (let i = 0; i < 2000; i++) {
      const input = mutate(original, random);
      assert.doesNotThrow(() => parseOggOpus(input), `case ${i}`);
    }
  });
});
