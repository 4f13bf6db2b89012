import { type ParticipantId, type ViewedVideo, ViewedVideoSchema } from "@conclave/protocol";

/**
 * Which remote videos the page shows, and at what size (the `view` message, docs/protocol.md
 * "View"): a rendered tile that wants a video (its `data-video`, ui/tile.tsx), whether or not the
 * video has arrived; in a large meeting the SFU gives a camera an m-line only once it is named
 * here. Tiles on another grid page, or not laid out, are not rendered, so their video is not
 * forwarded; a tile scrolled out of sight still counts, as it is one scroll away.
 */
export function visibleVideos(root: ParentNode): ViewedVideo[] {
  const shown = new Map<string, ViewedVideo>();
  const ratio = globalThis.devicePixelRatio || 1;
  for (const tile of root.querySelectorAll<HTMLElement>("[data-video]")) {
    const rect = tile.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) continue;
    const [participantId, source] = (tile.dataset.video ?? "").split("/");
    const parsed = ViewedVideoSchema.safeParse({
      participantId: participantId as ParticipantId,
      source,
      width: Math.round(rect.width * ratio),
      height: Math.round(rect.height * ratio),
    });
    if (!parsed.success) continue;
    const key = `${parsed.data.participantId}/${parsed.data.source}`;
    const known = shown.get(key);
    if (!known || known.width < parsed.data.width) shown.set(key, parsed.data);
  }
  return [...shown.values()];
}

/** Size steps that change which layer a tile needs; smaller changes are not worth a message. */
const STEP_PX = 64;

/** Sends the view when it changed in a way that matters: a video shown or hidden, or resized. */
export class ViewReport {
  private last: string | null = null;

  constructor(private readonly send: (videos: ViewedVideo[]) => void) {}

  report(videos: readonly ViewedVideo[]): void {
    const key = videos
      .map((v) => `${v.participantId}/${v.source}:${Math.ceil(v.width / STEP_PX)}`)
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
