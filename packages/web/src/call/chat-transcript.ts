/** The meeting's chat as a plain-text file, made on this device (Save chat). */
export interface TranscriptEntry {
  readonly name: string;
  readonly text: string;
  readonly at: number;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Local date and time, `YYYY-MM-DD HH:MM`. */
export function localStamp(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** One line per message; continuation lines of a multi-line message are indented. */
export function chatTranscript(entries: readonly TranscriptEntry[]): string {
  return entries
    .map((e) => `[${localStamp(e.at)}] ${e.name}: ${e.text.replace(/\r?\n/g, "\n    ")}\n`)
    .join("");
}

/** A file name for something saved from the meeting at `at`, e.g. `conclave-chat-2026-01-31-1405.txt`. */
export function meetingFileName(kind: string, extension: string, at: number): string {
  const stamp = localStamp(at).replace(" ", "-").replace(":", "");
  return `conclave-${kind}-${stamp}.${extension}`;
}
