import { readFileSync } from "node:fs";

/** One line of a server capture (packages/server/src/capture.ts). */
export interface Captured {
  readonly kind: "ws" | "rtp";
  readonly timeMs: number;
  readonly bytes: Buffer;
}

export function readCapture(captureFile: string): Captured[] {
  return readFileSync(captureFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [kind, time, data] = line.split(" ");
      return {
        kind: kind === "ws" ? "ws" : "rtp",
        timeMs: Number(time),
        bytes: Buffer.from(data ?? "", "base64"),
      };
    });
}

/** A value that must never reach the server, with a label for the report. */
export interface Secret {
  readonly label: string;
  readonly bytes: Uint8Array;
}

export interface Finding {
  readonly label: string;
  readonly where: string;
  readonly encoding: "raw" | "hex" | "base64";
}

/**
 * Every way a secret could appear in text: hex in either case, and base64/base64url at each of the
 * three byte alignments it could have inside a longer encoded string (the characters that straddle
 * a neighbouring byte are dropped, so the pattern matches wherever the secret sits).
 */
function textForms(bytes: Uint8Array): Array<{ encoding: Finding["encoding"]; text: string }> {
  const buffer = Buffer.from(bytes);
  const forms: Array<{ encoding: Finding["encoding"]; text: string }> = [
    { encoding: "hex", text: buffer.toString("hex") },
    { encoding: "hex", text: buffer.toString("hex").toUpperCase() },
  ];
  for (let shift = 0; shift < 3; shift++) {
    const shifted = Buffer.concat([Buffer.alloc(shift), buffer]);
    const lead = shift === 0 ? 0 : Math.ceil((shift * 8) / 6);
    const encodedLength = Math.floor(((shift + buffer.length) * 8) / 6);
    for (const alphabet of ["base64", "base64url"] as const) {
      const text = shifted.toString(alphabet).slice(lead, encodedLength);
      if (text.length >= 8) forms.push({ encoding: "base64", text });
    }
  }
  return forms;
}

/** Binary blobs hidden inside signalling JSON: every base64url string value, decoded. */
function embeddedBlobs(json: string): Buffer[] {
  const blobs: Buffer[] = [];
  for (const match of json.matchAll(/"([A-Za-z0-9_-]{8,})"/g)) {
    blobs.push(Buffer.from(match[1] ?? "", "base64url"));
  }
  return blobs;
}

/**
 * Searches a server capture (CAPTURE_FILE) and the server's log lines for each secret as raw
 * bytes, hex and base64. Returns what it found; an empty list means no leak.
 */
export function scanForSecrets(
  captureFile: string,
  logLines: readonly string[],
  secrets: readonly Secret[],
): Finding[] {
  const texts: Array<{ where: string; text: string }> = logLines.map((line, i) => ({
    where: `log line ${i + 1}`,
    text: line,
  }));
  const binaries: Array<{ where: string; bytes: Buffer }> = [];
  for (const [i, { kind, bytes }] of readCapture(captureFile).entries()) {
    const where = `capture line ${i + 1} (${kind})`;
    binaries.push({ where, bytes });
    if (kind === "ws") {
      const text = bytes.toString("utf8");
      texts.push({ where, text });
      for (const blob of embeddedBlobs(text))
        binaries.push({ where: `${where}, decoded base64url`, bytes: blob });
    }
  }
  const findings: Finding[] = [];
  for (const secret of secrets) {
    const raw = Buffer.from(secret.bytes);
    for (const { where, bytes } of binaries) {
      if (bytes.includes(raw)) findings.push({ label: secret.label, where, encoding: "raw" });
    }
    for (const form of textForms(secret.bytes)) {
      for (const { where, text } of texts) {
        if (text.includes(form.text))
          findings.push({ label: secret.label, where, encoding: form.encoding });
      }
    }
  }
  return findings;
}
