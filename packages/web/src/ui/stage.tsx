import "./stage.css";
import { useEffect, useRef, useState } from "preact/hooks";
import { gridCapacity, layout, stripCapacity, type ViewMode } from "../call/layout.ts";
import { pipTarget } from "../call/pip-target.ts";
import type { StageTile } from "../call/stage-tiles.ts";
import { ChevronLeftIcon, ChevronRightIcon, GridIcon, PinIcon, SpeakerViewIcon } from "./icons.tsx";
import { PipButton } from "./picture-in-picture/pip-button.tsx";
import { Tile } from "./tile.tsx";

interface StageProps {
  readonly tiles: readonly StageTile[];
  /** The tile of the participant speaking now (or last). */
  readonly speaker: string | null;
}

/** The width and height of an element, followed as it resizes. */
function useSize(ref: { current: HTMLElement | null }): { width: number; height: number } {
  const [size, setSize] = useState({ width: 1024, height: 640 });
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setSize({ width: element.clientWidth, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** Columns and rows for `count` tiles in a grid page of this width. */
function gridShape(count: number, width: number): { columns: number; rows: number } {
  const most = Math.min(3, Math.max(1, Math.floor(width / 170)));
  const columns = Math.min(most, Math.max(1, Math.ceil(Math.sqrt(count))));
  return { columns, rows: Math.max(1, Math.ceil(count / columns)) };
}

/**
 * The tiles of the meeting: a grid (in pages), or speaker view with one tile in focus (pinned,
 * a screen share, or the active speaker) and the others in a strip (in pages). A new screen share
 * switches to speaker view, which gives it most of the room: the presenter layout.
 */
export function Stage({ tiles, speaker }: StageProps) {
  const [mode, setMode] = useState<ViewMode>("grid");
  const [pinned, setPinned] = useState<string | null>(null);
  const [page, setPage] = useState(0);
  const body = useRef<HTMLDivElement>(null);
  const size = useSize(body);

  const screens = tiles.filter((t) => t.screen && !t.self).map((t) => t.key);
  const seenScreens = useRef<readonly string[]>([]);
  useEffect(() => {
    if (screens.some((key) => !seenScreens.current.includes(key))) {
      setMode("speaker");
      setPage(0);
    }
    seenScreens.current = screens;
  }, [screens.join(" ")]);
  useEffect(() => {
    if (pinned !== null && !tiles.some((t) => t.key === pinned)) setPinned(null);
  }, [tiles, pinned]);

  const arranged = layout({
    tiles,
    mode,
    pinned,
    speaker,
    capacity: {
      grid: gridCapacity(size.width, size.height),
      strip: stripCapacity(size.width, size.height),
    },
    page,
  });
  const byKey = new Map(tiles.map((t) => [t.key, t]));
  const focus = arranged.focus === null ? undefined : byKey.get(arranged.focus);
  const shown = arranged.shown.flatMap((key) => byKey.get(key) ?? []);
  // Every page of a paged grid has the first page's shape, so tiles keep their size on the last.
  const shape = gridShape(
    arranged.pageCount > 1 ? gridCapacity(size.width, size.height) : shown.length,
    size.width,
  );

  const slot = (tile: StageTile) => (
    <div class="tile-slot" key={tile.key} data-screen={tile.screen ? "" : undefined}>
      <Tile {...tile.view} />
      <button
        type="button"
        class="pin-button"
        aria-pressed={pinned === tile.key}
        title={pinned === tile.key ? `Unpin ${tile.name}` : `Pin ${tile.name}`}
        onClick={() => {
          setPinned(pinned === tile.key ? null : tile.key);
          setPage(0);
        }}
      >
        <PinIcon />
        <span class="sr-only">Pin {tile.name}</span>
      </button>
    </div>
  );

  return (
    <section class="stage-view" aria-label="Participants">
      <div class="stage-toolbar">
        <fieldset class="view-switch">
          <legend class="sr-only">Layout</legend>
          {(
            [
              ["grid", "Grid view", <GridIcon key="g" />],
              ["speaker", "Speaker view", <SpeakerViewIcon key="s" />],
            ] as const
          ).map(([value, label, icon]) => (
            <button
              key={value}
              type="button"
              class="btn btn-ghost btn-small"
              aria-pressed={mode === value}
              onClick={() => {
                setMode(value);
                setPage(0);
              }}
            >
              {icon}
              <span class="btn-text">{label}</span>
            </button>
          ))}
        </fieldset>
        <PipButton target={pipTarget(tiles, speaker, pinned)} />
        {arranged.pageCount > 1 && (
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              class="btn btn-ghost btn-small"
              disabled={arranged.page === 0}
              onClick={() => setPage(arranged.page - 1)}
            >
              <ChevronLeftIcon />
              <span class="sr-only">Previous page</span>
            </button>
            <span class="pager-text" aria-live="polite">
              Page {arranged.page + 1} of {arranged.pageCount}
            </span>
            <button
              type="button"
              class="btn btn-ghost btn-small"
              disabled={arranged.page === arranged.pageCount - 1}
              onClick={() => setPage(arranged.page + 1)}
            >
              <ChevronRightIcon />
              <span class="sr-only">Next page</span>
            </button>
          </nav>
        )}
      </div>
      <div class="stage-body" ref={body} data-layout={focus ? "focus" : "grid"}>
        {focus && <div class="stage-focus">{slot(focus)}</div>}
        <div
          class={focus ? "stage-strip" : "stage-grid"}
          data-columns={shape.columns}
          data-rows={shape.rows}
          data-used-columns={Math.min(shape.columns, Math.max(1, shown.length))}
          data-used-rows={Math.max(1, Math.ceil(shown.length / shape.columns))}
        >
          {shown.map(slot)}
        </div>
      </div>
    </section>
  );
}
