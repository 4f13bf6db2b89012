import { useEffect, useRef, useState } from "preact/hooks";
import type { MeetingStore } from "../call/meeting-store.ts";
import { loadPreferences, savePreferences } from "../call/preferences.ts";
import { isTypingTarget, type ShortcutAction, shortcutFor } from "../call/shortcuts.ts";

interface ShortcutHandlers {
  toggleChat: () => void;
  openHelp: () => void;
}

/**
 * The meeting's keyboard shortcuts (call/shortcuts.ts). Returns whether single-key shortcuts are
 * on, a setter that remembers the choice, and a status line saying what a shortcut just did.
 */
export function useShortcuts(meeting: MeetingStore, handlers: ShortcutHandlers) {
  const [singleKeys, setSingleKeys] = useState(() => loadPreferences().singleKeyShortcuts);
  const [status, setStatus] = useState("");
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const run = (action: ShortcutAction): boolean => {
      const local = meeting.local;
      const { mic, camera, audioTrack } = local.state;
      switch (action) {
        case "microphone":
          if (audioTrack === null) return false;
          local.setMicOn(mic !== "on");
          setStatus(mic === "on" ? "Microphone off" : "Microphone on");
          return true;
        case "camera":
          if (camera !== "on" && camera !== "off") return false;
          void local.setCameraOn(camera !== "on");
          setStatus(camera === "on" ? "Camera off" : "Camera on");
          return true;
        case "hand": {
          const { activity } = meeting.e2ee;
          activity.setHand(activity.state.ownHandAt === null);
          return true;
        }
        case "chat":
          current.current.toggleChat();
          return true;
        case "help":
          current.current.openHelp();
          return true;
      }
    };
    const onKeyDown = (event: KeyboardEvent) => {
      // A modal dialog (the help itself) keeps its keys.
      if (event.defaultPrevented || document.querySelector("dialog[open]")) return;
      const action = shortcutFor(event, {
        typing: isTypingTarget(document.activeElement),
        singleKeys,
      });
      if (action !== null && run(action)) event.preventDefault();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [meeting, singleKeys]);
  const changeSingleKeys = (on: boolean) => {
    setSingleKeys(on);
    savePreferences({ singleKeyShortcuts: on });
  };
  return { singleKeys, setSingleKeys: changeSingleKeys, status };
}
