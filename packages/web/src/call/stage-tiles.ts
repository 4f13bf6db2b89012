/**
 * Who gets a tile on the stage, and what each shows: our own camera first, then our screen while we
 * share, then each participant the server lists, each followed by their screen share. Pure, so the
 * rules are tested without a browser; `ui/stage.tsx` places the tiles (call/layout.ts) and
 * `ui/tile.tsx` draws each.
 */
import type { ParticipantId } from "@conclave/protocol";
import type { GroupStatus } from "../worker/reports.ts";
import { SELF_TILE, screenKey } from "./call-monitor.ts";
import type { Quality } from "./connection-quality.ts";
import type { QueuedHand } from "./hand-queue.ts";
import type { LayoutTile } from "./layout.ts";
import type { ShownReaction } from "./meeting-activity.ts";
import type { RemoteParticipant } from "./remote-participants.ts";

/** What one tile shows. */
export interface TileView {
  /** The accessible name: the display name, "NAME (you)" for the self view, "NAME (screen)". */
  readonly label: string;
  readonly name: string;
  readonly videoStream: MediaStream | null;
  readonly videoOn: boolean;
  readonly micOn: boolean;
  readonly self?: boolean;
  /** Why the tile shows no one yet, or not their video: reconnecting, joining, connecting. */
  readonly status?: string | null;
  readonly speaking?: boolean;
  /** Their hand is raised. */
  readonly hand?: boolean;
  /** Reactions they sent that are showing now. */
  readonly reactions?: readonly ShownReaction[];
  /** Their connection (ours on the self view), once there is enough to judge. */
  readonly quality?: Quality | null;
  /** This device compared keys with them and marked them verified (call/verified-pins.ts). */
  readonly verified?: boolean;
  /**
   * The remote video the tile shows while its camera is on, or its screen: what the page's view
   * names to the SFU when the tile is on screen (visible-videos.ts).
   */
  readonly wants?: ViewedSource | null;
}

/** A remote video as the view names it. */
export interface ViewedSource {
  readonly participantId: ParticipantId;
  readonly source: "camera" | "screen";
}

export interface StageTile extends LayoutTile {
  /** Who or what the tile shows, for its Pin button. */
  readonly name: string;
  readonly view: TileView;
}

/** Our own side of the stage, as this device has it. */
export interface SelfTileInput {
  /** Our display name. */
  readonly name: string;
  readonly videoStream: MediaStream | null;
  readonly cameraOn: boolean;
  readonly micOn: boolean;
  readonly speaking: boolean;
  readonly handUp: boolean;
  /** Our screen share while it is on. */
  readonly screen: MediaStream | null;
}

export interface StageInput {
  readonly self: SelfTileInput;
  readonly participants: readonly RemoteParticipant[];
  /** Remote participants whose audio is above a speaking level now. */
  readonly speaking: readonly ParticipantId[];
  /** Our own place in the encrypted group: until we are a member, nobody is named. */
  readonly groupStatus: GroupStatus;
  /**
   * Listed participants whose device key we hold (they uploaded a KeyPackage): people waiting to
   * be let in, shown as waiting cards, not as tiles (ui/knock-cards.tsx).
   */
  readonly waiting: ReadonlySet<ParticipantId>;
  /** Raised hands, ours included (meeting-activity.ts). */
  readonly hands: readonly QueuedHand[];
  /** Reactions showing now; `leaf` null for our own. */
  readonly reactions: readonly ShownReaction[];
  /** Connection quality by tile key (call-monitor.ts). */
  readonly quality: Readonly<Record<string, Quality>>;
  /** Leaves of the members this device verified (VerifiedPins.verifiedLeaves). */
  readonly verified: readonly number[];
}

export const RECONNECTING = "Reconnecting…";
/**
 * A device the server lists that no member knows (no key uploaded, no leaf): it receives nothing
 * it can read; the unknown-participant alarm names it after a grace and says what to do.
 */
export const NOT_IN_GROUP =
  "Not in the encrypted group yet: listed by the server, unknown to every member, it can read nothing";
export const CONNECTING_VIDEO = "Connecting video…";
/** The SFU holds this video back: our link lost packets and cannot carry it besides the others. */
export const VIDEO_PAUSED = "Video paused: your connection is too slow for more video";

/** Every tile of the stage, in the order the grid shows them. */
export function stageTiles(input: StageInput): StageTile[] {
  const { self, quality } = input;
  const tiles: StageTile[] = [selfTile(input)];
  if (self.screen) {
    const label = `${self.name} (your screen)`;
    tiles.push({
      key: screenKey(SELF_TILE),
      name: "your screen",
      self: true,
      screen: true,
      view: { label, name: label, videoStream: self.screen, videoOn: true, micOn: true },
    });
  }
  const handLeaves = new Set(
    input.hands.flatMap((h) => (h.self || h.leaf === null ? [] : [h.leaf])),
  );
  for (const p of input.participants) {
    if (!onStage(p, input)) continue;
    tiles.push({
      key: p.id,
      name: p.name,
      self: false,
      screen: false,
      view: {
        label: p.name,
        name: p.name,
        videoStream: p.videoStream,
        videoOn: p.video,
        micOn: p.audio,
        status: statusOf(p, input.groupStatus),
        speaking: input.speaking.includes(p.id),
        hand: p.leaf !== null && handLeaves.has(p.leaf),
        reactions: input.reactions.filter((r) => r.leaf !== null && r.leaf === p.leaf),
        quality: quality[p.id] ?? null,
        verified: p.leaf !== null && input.verified.includes(p.leaf),
        wants: p.video ? { participantId: p.id, source: "camera" } : null,
      },
    });
    if (p.screen) {
      const label = `${p.screen.name} (screen)`;
      tiles.push({
        key: screenKey(p.id),
        name: label,
        self: false,
        screen: true,
        view: {
          label,
          name: label,
          videoStream: p.screen.videoStream,
          videoOn: true,
          micOn: true,
          status: p.screen.paused ? VIDEO_PAUSED : null,
          quality: quality[screenKey(p.id)] ?? null,
          wants: { participantId: p.id, source: "screen" },
        },
      });
    }
  }
  return tiles;
}

function selfTile({ self, reactions, quality }: StageInput): StageTile {
  const label = `${self.name} (you)`;
  return {
    key: SELF_TILE,
    name: label,
    self: true,
    screen: false,
    view: {
      label,
      name: self.name,
      self: true,
      videoStream: self.videoStream,
      videoOn: self.cameraOn,
      micOn: self.micOn,
      speaking: self.speaking,
      hand: self.handUp,
      reactions: reactions.filter((r) => r.leaf === null),
      quality: quality[SELF_TILE] ?? null,
    },
  };
}

/**
 * Who outside the encrypted group gets a tile: nobody while we are outside it ourselves (we could
 * name no one, and the banner says what we wait for); for a member, someone the server lists whose
 * device we do not know (the unknown-participant alarm names them after a grace), never a person
 * waiting to be let in: the waiting cards show them with what a host can do.
 */
export function onStage(
  p: RemoteParticipant,
  { groupStatus, waiting }: Pick<StageInput, "groupStatus" | "waiting">,
): boolean {
  if (p.leaf !== null || p.reconnecting) return true;
  return groupStatus === "member" && !waiting.has(p.id);
}

/** People in the meeting as the encrypted group says (us included), or null outside it. */
export function peopleCount(
  participants: readonly RemoteParticipant[],
  groupStatus: GroupStatus,
): number | null {
  if (groupStatus !== "member") return null;
  return participants.filter((p) => p.leaf !== null).length + 1;
}

function statusOf(p: RemoteParticipant, groupStatus: GroupStatus): string | null {
  if (p.reconnecting) return RECONNECTING;
  if (p.leaf === null) return groupStatus === "member" ? NOT_IN_GROUP : null;
  if (p.videoPaused) return VIDEO_PAUSED;
  return p.video && !p.videoStream ? CONNECTING_VIDEO : null;
}
