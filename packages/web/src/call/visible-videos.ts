import type { ViewedVideo } from "@conclave/protocol";

/**
 * Which of the receiving connection's videos the page shows, and at what size (the `view`
 * message, docs/protocol.md "View"): a video is shown while a rendered `<video>` element plays its
 * track. Tiles on another grid page, or not laid out, are not rendered, so their video is not
 * forwarded; a tile scrolled out of sight still counts, as it is one scroll away.
 */
export function visibleVideos(pc: RTCPeerConnection, root: ParentNode): ViewedVideo[] {
  const sizes = new Map<string, { width: number; height: number }>();
  const ratio = globalThis.devicePixelRatio || 1;
  for (const video of root.querySelectorAll("video")) {
    const stream = video.srcObject;
    if (!(stream instanceof MediaStream)) continue;
    const rect = video.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) continue;
    for (const track of stream.getVideoTracks()) {
      const size = {
        width: Math.round(rect.width * ratio),
        height: Math.round(rect.height * ratio),
      };
      const known = sizes.get(track.id);
      if (!known || known.width < size.width) sizes.set(track.id, size);
    }
  }
  const shown: ViewedVideo[] = [];
  for (const transceiver of pc.getTransceivers()) {
    const track = transceiver.receiver.track;
    const size = track.kind === "video" ? sizes.get(track.id) : undefined;
    if (size && transceiver.mid !== null) shown.push({ mid: transceiver.mid, ...size });
  }
  return shown;
}

/** Size steps that change which layer a tile needs; smaller changes are not worth a message. */
const STEP_PX = 64;

/** Sends the view when it changed in a way that matters: a video shown or hidden, or resized. */
export class ViewReport {
  private last: string | null = null;

  constructor(private readonly send: (videos: ViewedVideo[]) => void) {}

  report(videos: readonly ViewedVideo[]): void {
    const key = videos
      .map((v) => `${v.mid}:${Math.ceil(v.width / STEP_PX)}`)
      .sort()
      .join(",");
    if (key === this.last) return;
    this.last = key;
    this.send([...videos]);
  }

  /** A new receiving connection or server session: the next report is sent whatever it says. */
  reset(): void {
    this.last = null;
  }
}
