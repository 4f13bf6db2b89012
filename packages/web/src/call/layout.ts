/**
 * Where each tile goes: a grid of pages, or one tile in focus (a pinned tile, a screen share, the
 * active speaker) with the others in a strip of pages beside or under it. Pure, so the rules are
 * tested without a browser; `ui/stage.tsx` renders the result.
 */

export type ViewMode = "grid" | "speaker";

export interface LayoutTile {
  readonly key: string;
  /** Someone's screen share (a remote one; our own is never put in focus by itself). */
  readonly screen: boolean;
  /** Our own camera or screen tile: never the active speaker's place. */
  readonly self: boolean;
}

export interface LayoutInput {
  /** Every tile, in the order the grid and strip show them. */
  readonly tiles: readonly LayoutTile[];
  readonly mode: ViewMode;
  readonly pinned: string | null;
  /** The tile of the participant speaking now (or last), from audio levels. */
  readonly speaker: string | null;
  /** How many tiles fit one grid page, and one strip page. */
  readonly capacity: { readonly grid: number; readonly strip: number };
  /** The page asked for; clamped to the pages there are. */
  readonly page: number;
}

export interface Layout {
  /** The tile in focus, or null for the grid. */
  readonly focus: string | null;
  /** The grid's tiles on this page, or the strip's. */
  readonly shown: readonly string[];
  readonly page: number;
  readonly pageCount: number;
}

/**
 * Which tile has the room in speaker view: a pinned tile, else the newest remote screen share
 * (the presenter layout), else the active speaker, else the first other participant.
 */
function focusOf(input: LayoutInput): string | null {
  const { tiles, mode, pinned, speaker } = input;
  if (pinned !== null && tiles.some((t) => t.key === pinned)) return pinned;
  if (mode === "grid") return null;
  const screens = tiles.filter((t) => t.screen && !t.self);
  const newestScreen = screens[screens.length - 1];
  if (newestScreen) return newestScreen.key;
  const others = tiles.filter((t) => !t.self);
  if (speaker !== null && others.some((t) => t.key === speaker)) return speaker;
  return others[0]?.key ?? tiles[0]?.key ?? null;
}

export function layout(input: LayoutInput): Layout {
  const focus = focusOf(input);
  const rest = input.tiles.map((t) => t.key).filter((key) => key !== focus);
  const perPage = Math.max(
    1,
    Math.floor(focus === null ? input.capacity.grid : input.capacity.strip),
  );
  const pageCount = Math.max(1, Math.ceil(rest.length / perPage));
  const page = Math.min(Math.max(0, Math.floor(input.page)), pageCount - 1);
  return { focus, shown: rest.slice(page * perPage, (page + 1) * perPage), page, pageCount };
}

/** Tiles that fit a grid page of this size: cells of at least 170 × 130 px, at most 3 × 3. */
export function gridCapacity(width: number, height: number): number {
  const columns = Math.min(3, Math.max(1, Math.floor(width / 170)));
  const rows = Math.min(3, Math.max(1, Math.floor(height / 130)));
  return columns * rows;
}

/**
 * Tiles that fit the strip beside (wide stage) or under (narrow stage) the focused tile: 16:9
 * tiles about 200 px wide beside it, 150 px wide under it.
 */
export function stripCapacity(width: number, height: number): number {
  if (width >= 700) return Math.max(1, Math.floor(height / 130));
  return Math.max(1, Math.floor(width / 150));
}
