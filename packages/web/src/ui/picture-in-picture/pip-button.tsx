import "./pip.css";
import { useEffect, useRef, useState } from "preact/hooks";
import type { PipTarget } from "../../call/pip-target.ts";
import { PictureInPictureIcon } from "../icons.tsx";
import { openPip, type PipWindow, pipKind } from "./pip-window.ts";

/**
 * Opens and closes the picture-in-picture window, and keeps it on the tile the stage would focus
 * (call/pip-target.ts): the pinned tile, else the active speaker. Not shown where the browser has
 * no picture-in-picture at all.
 */
export function PipButton({ target }: { target: PipTarget | null }) {
  const pip = useRef<PipWindow | null>(null);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const kind = pipKind();

  useEffect(() => {
    if (target !== null) pip.current?.show(target);
  }, [target?.key, target?.stream, target?.video, target?.label]);
  useEffect(() => () => pip.current?.close(), []);

  if (kind === null) return null;
  const toggle = async () => {
    if (pip.current !== null) {
      pip.current.close();
      return;
    }
    if (target === null) return;
    setProblem(null);
    try {
      pip.current = await openPip(target, () => {
        pip.current = null;
        setOpen(false);
      });
      setOpen(true);
    } catch {
      setProblem("Picture-in-picture could not open: nobody's video to show yet.");
    }
  };
  return (
    <>
      <button
        type="button"
        class="btn btn-ghost btn-small pip-button"
        aria-pressed={open}
        data-pip-kind={kind}
        title="Keep the person speaking in a small window above your other windows"
        onClick={() => void toggle()}
      >
        <PictureInPictureIcon />
        <span class="btn-text">Picture-in-picture</span>
      </button>
      {problem !== null && (
        <span class="hint" role="status">
          {problem}
        </span>
      )}
    </>
  );
}
