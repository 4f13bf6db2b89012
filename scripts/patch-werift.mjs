#!/usr/bin/env node
/**
 * Patches werift 0.25.2's ESM bundle (node_modules/werift/lib/index.mjs, the file `import "werift"`
 * loads) where the SFU's forwarding path pays for work it does not need, per packet. Run by the
 * root package's `postinstall`, so `npm ci` on a fresh clone applies it; idempotent (a marker line
 * says it is applied). Each patch must find its exact text: a werift update that moved or changed
 * it fails here, loudly, instead of running unpatched. docs/performance.md has the figures.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const VERSION = "0.25.2";
const MARKER = `// patched by conclave scripts/patch-werift.mjs for werift ${VERSION}\n`;

/** [why, exact text in werift's bundle, replacement] */
const PATCHES = [
  [
    // RtpHeader.deSerialize reads six header fields with it for every packet received and every
    // packet a sender parses; the original built an array of "0"/"1" strings and parsed it back.
    "getBit: bits of a byte by shift and mask, not through strings",
    `function getBit(bits, startIndex, length = 1) {
  let bin = bits.toString(2).split("");
  bin = [...Array(8 - bin.length).fill("0"), ...bin];
  const s = bin.slice(startIndex, startIndex + length).join("");
  const v = Number.parseInt(s, 2);
  return v;
}`,
    `function getBit(bits, startIndex, length = 1) {
  return bits >>> 8 - startIndex - length & (1 << length) - 1;
}`,
  ],
  [
    // Every RTP packet a sender sends takes one (for sender reports and abs-send-time). The
    // original went through a decimal string and wrote the decimal digits as the fraction, which
    // is not NTP's 32.32 fixed point (RFC 3550 §4); this one is.
    "ntpTime: 32.32 fixed point by arithmetic, not through a decimal string",
    `  const seconds = now / 1e3;
  const [sec, msec] = seconds.toString().split(".").map(Number);
  const buf = bufferWriter([4, 4], [sec, msec]);
  return buf.readBigUInt64BE();
};`,
    `  const sec = Math.floor(now / 1e3);
  const fraction = Math.floor((now - sec * 1e3) / 1e3 * 4294967296);
  return BigInt(sec) << 32n | BigInt(fraction);
};`,
  ],
  [
    // The reading side of the same format, for sender reports received and logged.
    "ntpTime2Sec: reads 32.32 fixed point",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: werift's source text, matched as it is
    "  return Number(`${ntpSec}.${ntpMsec}`);",
    "  return ntpSec + ntpMsec / 4294967296;",
  ],
  [
    // RFC 3711 §4.1.1: the packet index is shifted left 16 bits into the counter block; once per
    // packet sent or received, through a BigInt, where a multiplication is exact.
    "SRTP counter block without BigInt",
    "counter.writeUInt32BE(Number(BigInt(sequenceNumber) << 16n), 12);",
    "counter.writeUInt32BE(sequenceNumber * 65536, 12);",
  ],
];

const require = createRequire(import.meta.url);
// werift's exports hide package.json: from its main file up to the folder that has it.
let root = dirname(require.resolve("werift"));
while (!existsSync(join(root, "package.json"))) root = dirname(root);
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
if (version !== VERSION) {
  console.error(`scripts/patch-werift.mjs is for werift ${VERSION}, found ${version}: update it`);
  process.exit(1);
}
const file = join(root, "lib", "index.mjs");
let source = readFileSync(file, "utf8");
if (source.startsWith(MARKER)) process.exit(0);
for (const [why, original, replacement] of PATCHES) {
  const at = source.indexOf(original);
  if (at < 0 || source.indexOf(original, at + 1) >= 0) {
    console.error(
      `scripts/patch-werift.mjs: "${why}" does not match werift ${version} exactly once`,
    );
    process.exit(1);
  }
  source = source.slice(0, at) + replacement + source.slice(at + original.length);
}
writeFileSync(file, MARKER + source);
