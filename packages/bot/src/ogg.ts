import { MediaFormatError, type Result } from "./errors.ts";

/**
 * Ogg (RFC 3533) carrying Opus (RFC 7845). A page is a 27-byte header, a segment table of lacing
 * values, then the segments. A packet is a run of 255-byte segments ended by one shorter than
 * 255; a page whose last lacing value is 255 leaves its packet open for the next page, which
 * then has the "continued" flag. The first two packets of the stream are OpusHead and OpusTags
 * (RFC 7845 §5); everything after is audio.
 */
const PAGE_HEADER_BYTES = 27;
const FLAG_CONTINUED = 0x01;
const FLAG_BEGIN = 0x02;

export interface OggOpusFile {
  readonly channels: number;
  /** Samples at 48 kHz to drop at the start (RFC 7845 §4.2); informative for a looping bot. */
  readonly preSkip: number;
  readonly inputSampleRate: number;
  readonly packets: readonly Uint8Array[];
}

function fail(message: string): Result<OggOpusFile, MediaFormatError> {
  return { ok: false, error: new MediaFormatError("BAD_OGG", message) };
}

// Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial 0, computed with the CRC field zero.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ b) & 0xff] ?? 0)) >>> 0;
  return crc;
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits a whole Ogg file into the packets of its first logical stream. */
export function readOggPackets(bytes: Uint8Array): Result<Uint8Array[], MediaFormatError> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: Uint8Array[] = [];
  let open: Uint8Array[] = [];
  let serial: number | null = null;
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < PAGE_HEADER_BYTES) return err(`truncated page header at ${at}`);
    if (!startsWith(bytes.subarray(at), "OggS")) return err(`no OggS capture pattern at ${at}`);
    if (bytes[at + 4] !== 0) return err(`unsupported Ogg version at ${at}`);
    const flags = bytes[at + 5] ?? 0;
    const pageSerial = view.getUint32(at + 14, true);
    const storedCrc = view.getUint32(at + 22, true);
    const segments = bytes[at + 26] ?? 0;
    const tableEnd = at + PAGE_HEADER_BYTES + segments;
    if (tableEnd > bytes.length) return err(`truncated segment table at ${at}`);
    const lacing = bytes.subarray(at + PAGE_HEADER_BYTES, tableEnd);
    const bodyBytes = lacing.reduce((n, v) => n + v, 0);
    const pageEnd = tableEnd + bodyBytes;
    if (pageEnd > bytes.length) return err(`truncated page body at ${at}`);
    const page = bytes.slice(at, pageEnd);
    page.fill(0, 22, 26);
    if (oggCrc(page) !== storedCrc) return err(`bad page CRC at ${at}`);
    serial ??= pageSerial;
    if (serial === null || pageSerial !== serial) {
      // Another multiplexed logical stream: not ours, skip the page whole.
      at = pageEnd;
      continue;
    }
    if (packets.length === 0 && open.length === 0 && !(flags & FLAG_BEGIN)) {
      return err("first page lacks the beginning-of-stream flag");
    }
    const continued = (flags & FLAG_CONTINUED) !== 0;
    if (continued !== open.length > 0) {
      // A continued page with nothing open, or an open packet the next page does not continue:
      // either way a packet was cut, which for a file we read whole means corruption.
      return err(`page at ${at} ${continued ? "continues nothing" : "drops an open packet"}`);
    }
    let body = tableEnd;
    for (const value of lacing) {
      open.push(bytes.subarray(body, body + value));
      body += value;
      if (value < 255) {
        packets.push(concat(open));
        open = [];
      }
    }
    at = pageEnd;
  }
  if (open.length > 0) return err("stream ends inside a packet");
  return { ok: true, value: packets };

  function err(message: string): Result<Uint8Array[], MediaFormatError> {
    return { ok: false, error: new MediaFormatError("BAD_OGG", message) };
  }
}

/** Reads an Ogg Opus file: checks OpusHead, skips OpusTags, returns the audio packets. */
export function parseOggOpus(bytes: Uint8Array): Result<OggOpusFile, MediaFormatError> {
  const read = readOggPackets(bytes);
  if (!read.ok) return read;
  const [head, tags, ...audio] = read.value;
  // RFC 7845 §5.1: "OpusHead", version, channel count, pre-skip u16le, input rate u32le, ...
  if (!head || !startsWith(head, "OpusHead") || head.length < 19) return fail("no OpusHead");
  if (((head[8] ?? 0) & 0xf0) !== 0) return fail(`unsupported OpusHead version ${head[8]}`);
  if (!tags || !startsWith(tags, "OpusTags")) return fail("no OpusTags");
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const channels = head[9] ?? 0;
  if (channels === 0) return fail("zero channels");
  if (audio.length === 0) return fail("no audio packets");
  if (audio.some((p) => p.length === 0)) return fail("empty audio packet");
  return {
    ok: true,
    value: {
      channels,
      preSkip: view.getUint16(10, true),
      inputSampleRate: view.getUint32(12, true),
      packets: audio,
    },
  };
}

/** Builds one Ogg page; the tests use it to make inputs and it documents the layout. */
export function writeOggPage(options: {
  readonly flags: number;
  readonly granule: bigint;
  readonly serial: number;
  readonly sequence: number;
  readonly lacing: readonly number[];
  readonly body: Uint8Array;
}): Uint8Array {
  const page = new Uint8Array(PAGE_HEADER_BYTES + options.lacing.length + options.body.length);
  const view = new DataView(page.buffer);
  page.set([0x4f, 0x67, 0x67, 0x53, 0, options.flags], 0);
  view.setBigUint64(6, options.granule, true);
  view.setUint32(14, options.serial, true);
  view.setUint32(18, options.sequence, true);
  page[26] = options.lacing.length;
  page.set(options.lacing, PAGE_HEADER_BYTES);
  page.set(options.body, PAGE_HEADER_BYTES + options.lacing.length);
  view.setUint32(22, oggCrc(page), true);
  return page;
}
