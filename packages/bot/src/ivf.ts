import { MediaFormatError, type Result } from "./errors.ts";

/**
 * IVF, the minimal container libvpx writes: a 32-byte file header, then per frame a 12-byte
 * header (size u32le, timestamp u64le) and the frame. All fields little-endian.
 */
const FILE_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 12;
/** No VP8 frame at the sizes we ship comes near this; a bigger size means a corrupt file. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface IvfHeader {
  /** Codec FourCC, e.g. "VP80". */
  readonly fourcc: string;
  readonly width: number;
  readonly height: number;
  /** Timestamps count units of `timebaseNumerator / timebaseDenominator` seconds. */
  readonly timebaseDenominator: number;
  readonly timebaseNumerator: number;
  /** As written in the header; the frames actually present are authoritative. */
  readonly declaredFrameCount: number;
}

export interface IvfFrame {
  /** In timebase units. */
  readonly timestamp: number;
  readonly data: Uint8Array;
}

export interface IvfFile {
  readonly header: IvfHeader;
  readonly frames: readonly IvfFrame[];
}

function fail(message: string): Result<IvfFile, MediaFormatError> {
  return { ok: false, error: new MediaFormatError("BAD_IVF", message) };
}

/** Parses a whole IVF file. Frames are views into `bytes`, not copies. */
export function parseIvf(bytes: Uint8Array): Result<IvfFile, MediaFormatError> {
  if (bytes.length < FILE_HEADER_BYTES) return fail("shorter than the IVF file header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (ascii(0) !== "DKIF") return fail("no DKIF signature");
  const version = view.getUint16(4, true);
  if (version !== 0) return fail(`unsupported IVF version ${version}`);
  const headerSize = view.getUint16(6, true);
  if (headerSize < FILE_HEADER_BYTES || headerSize > bytes.length) {
    return fail(`bad header size ${headerSize}`);
  }
  const header: IvfHeader = {
    fourcc: ascii(8),
    width: view.getUint16(12, true),
    height: view.getUint16(14, true),
    timebaseDenominator: view.getUint32(16, true),
    timebaseNumerator: view.getUint32(20, true),
    declaredFrameCount: view.getUint32(24, true),
  };
  if (header.timebaseDenominator === 0 || header.timebaseNumerator === 0) {
    return fail("zero timebase");
  }
  const frames: IvfFrame[] = [];
  let at = headerSize;
  while (at < bytes.length) {
    if (bytes.length - at < FRAME_HEADER_BYTES) return fail(`truncated frame header at ${at}`);
    const size = view.getUint32(at, true);
    // Timestamps are u64; anything past 2^53 is not a real clip, so reject rather than round.
    const high = view.getUint32(at + 8, true);
    if (high >= 1 << 21) return fail(`timestamp out of range at ${at}`);
    const timestamp = high * 2 ** 32 + view.getUint32(at + 4, true);
    at += FRAME_HEADER_BYTES;
    if (size === 0 || size > MAX_FRAME_BYTES) return fail(`bad frame size ${size} at ${at}`);
    if (size > bytes.length - at) return fail(`truncated frame at ${at}`);
    frames.push({ timestamp, data: bytes.subarray(at, at + size) });
    at += size;
  }
  if (frames.length === 0) return fail("no frames");
  return { ok: true, value: { header, frames } };
}

/** Writes an IVF file; the tests use it to make inputs, and it documents the layout. */
export function writeIvf(
  header: Omit<IvfHeader, "declaredFrameCount">,
  frames: readonly IvfFrame[],
): Uint8Array {
  const total =
    FILE_HEADER_BYTES + frames.reduce((n, f) => n + FRAME_HEADER_BYTES + f.data.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(
    [..."DKIF"].map((c) => c.charCodeAt(0)),
    0,
  );
  view.setUint16(4, 0, true);
  view.setUint16(6, FILE_HEADER_BYTES, true);
  out.set(
    [...header.fourcc.slice(0, 4)].map((c) => c.charCodeAt(0)),
    8,
  );
  view.setUint16(12, header.width, true);
  view.setUint16(14, header.height, true);
  view.setUint32(16, header.timebaseDenominator, true);
  view.setUint32(20, header.timebaseNumerator, true);
  view.setUint32(24, frames.length, true);
  let at = FILE_HEADER_BYTES;
  for (const frame of frames) {
    view.setUint32(at, frame.data.length, true);
    view.setUint32(at + 4, frame.timestamp % 2 ** 32, true);
    view.setUint32(at + 8, Math.floor(frame.timestamp / 2 ** 32), true);
    out.set(frame.data, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + frame.data.length;
  }
  return out;
}
