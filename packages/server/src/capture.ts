import { createWriteStream, type WriteStream } from "node:fs";
import type { PacketInterceptor } from "@conclave/sfu";

/**
 * Test-only record of everything the server receives: every signalling frame and every RTP packet
 * (after DTLS-SRTP, so exactly what the server could read), one line each: kind, time in ms,
 * base64. The leak test searches it for secrets.
 * Enabled by CAPTURE_FILE; never set it in production, where it would only fill a disk.
 */
export class Capture {
  private readonly out: WriteStream;

  constructor(path: string) {
    this.out = createWriteStream(path, { flags: "a" });
  }

  signalling(text: string): void {
    this.out.write(`ws ${Date.now()} ${Buffer.from(text).toString("base64")}\n`);
  }

  rtp(packet: Buffer): void {
    this.out.write(`rtp ${Date.now()} ${packet.toString("base64")}\n`);
  }

  /** A packet hook that records each packet as received, then hands it to `next`, if any. */
  packets(next: PacketInterceptor | undefined): PacketInterceptor {
    return (room, publisher, kind, packet) => {
      this.rtp(packet);
      return next ? next(room, publisher, kind, packet) : packet;
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }
}
