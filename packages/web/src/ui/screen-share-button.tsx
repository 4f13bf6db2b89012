import "./screen-share-button.css";
import { canShareScreen, type ScreenShare } from "../call/screen-share.ts";
import { ScreenShareIcon } from "./icons.tsx";
import { useStore } from "./use-store.ts";

/** Share screen / Stop sharing; absent where the browser cannot share a screen (most phones). */
export function ScreenShareButton({ screen }: { screen: ScreenShare }) {
  const { status } = useStore(screen);
  if (!canShareScreen()) return null;
  const on = status === "on";
  return (
    <button
      type="button"
      class={`btn btn-round screen-share-button${on ? " is-active" : ""}`}
      aria-busy={status === "choosing"}
      onClick={() => (on ? screen.stop() : void screen.start())}
    >
      <ScreenShareIcon />
      <span class="btn-label">{on ? "Stop sharing" : "Share screen"}</span>
    </button>
  );
}
