import { useState } from "preact/hooks";
import type { DeviceStatus, LocalMedia } from "../call/local-media.ts";
import { loadPreferences, savePreferences } from "../call/preferences.ts";
import { DeviceMessages } from "./device-message.tsx";
import { DevicePickers } from "./device-pickers.tsx";
import { MediaToggles } from "./media-toggles.tsx";
import { VideoView } from "./media-view.tsx";
import { useStore } from "./use-store.ts";

// Names travel in the MLS credential (packages/e2ee/src/mls/credential.ts): at most 128 UTF-8
// bytes, no control or bidi-override characters. 64 characters is the visible limit.
const MAX_NAME_LENGTH = 64;
const MAX_NAME_BYTES = 128;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to reject them
const FORBIDDEN_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const PREVIEW_TEXT: Record<DeviceStatus, string> = {
  pending: "Starting camera…",
  on: "",
  off: "Camera is off",
  denied: "Camera blocked",
  missing: "No camera found",
  busy: "Camera in use by another app",
  error: "Camera unavailable",
};

/** A device that works, is switched off by choice, or is still being asked for. */
const USABLE: ReadonlySet<DeviceStatus> = new Set(["pending", "on", "off"]);

interface PrejoinProps {
  local: LocalMedia;
  /** A knock link: the button asks a host to let us in (docs/protocol.md "Lobby"). */
  knock?: boolean;
  onJoin: (name: string) => void;
}

/** Check camera and microphone, pick a name, join (or, with a knock link, ask to join). */
export function Prejoin({ local, knock = false, onJoin }: PrejoinProps) {
  const media = useStore(local);
  const [name, setName] = useState(() => loadPreferences().name);
  const [nameError, setNameError] = useState<string | null>(null);
  const preview = useVideoStream(media.videoTrack);
  const pending = media.mic === "pending" || media.camera === "pending";
  // Neither device can be used (blocked, absent, broken): the person joins to listen and watch.
  const listenOnly = !USABLE.has(media.mic) && !USABLE.has(media.camera);
  const joinLabel = `${knock ? "Ask to join" : "Join"}${listenOnly ? " without camera and microphone" : ""}`;

  const submit = (event: Event) => {
    event.preventDefault();
    const trimmed = name.normalize("NFC").trim();
    if (trimmed === "") {
      setNameError("Enter the name others will see.");
      return;
    }
    if (new TextEncoder().encode(trimmed).length > MAX_NAME_BYTES) {
      setNameError("Use a shorter name.");
      return;
    }
    if (FORBIDDEN_IN_NAME.test(trimmed)) {
      setNameError("Use letters, numbers, spaces and punctuation only.");
      return;
    }
    savePreferences({ name: trimmed });
    onJoin(trimmed);
  };

  return (
    <main class="prejoin">
      <section class="preview" aria-label="Camera preview">
        <div class="preview-frame">
          <VideoView stream={preview} mirrored hidden={!preview} />
          {!preview && <p class="preview-empty">{PREVIEW_TEXT[media.camera]}</p>}
          <div class="preview-controls">
            <MediaToggles local={local} />
          </div>
        </div>
        <DeviceMessages
          camera={media.camera}
          mic={media.mic}
          onRetry={(kind) => void local.retry(kind)}
        />
      </section>

      {/*
        Name and Join come before the device settings, which grow as camera and microphone
        arrive: Join stays where the person is about to click it, on a phone above the fold.
      */}
      <div class="join-column">
        <form class="join-panel" onSubmit={submit}>
          <h1>{knock ? "Ask to join this meeting" : "Ready to join?"}</h1>
          {knock && (
            <p class="hint">
              This link has no invitation key, so a host of the meeting has to let you in. They will
              see the name you enter, marked as not verified.
            </p>
          )}
          <div class="field">
            <label for="display-name">Your name</label>
            <input
              id="display-name"
              type="text"
              autoComplete="name"
              maxLength={MAX_NAME_LENGTH}
              value={name}
              aria-invalid={nameError ? "true" : undefined}
              aria-describedby={nameError ? "name-error" : undefined}
              onInput={(e) => {
                setName(e.currentTarget.value);
                setNameError(null);
              }}
            />
            {nameError && (
              <p id="name-error" class="field-error">
                {nameError}
              </p>
            )}
          </div>
          <button type="submit" class="btn btn-primary btn-large" aria-describedby="join-hint">
            {joinLabel}
          </button>
          <p id="join-hint" class="hint">
            {pending
              ? "Still getting your camera and microphone; you can join now or wait."
              : listenOnly
                ? "You will see and hear everyone, chat and raise your hand, and can turn a device on later if your browser allows it."
                : knock
                  ? "Hosts see this name before they decide. Once you are in, so does everyone."
                  : "Everyone in the meeting sees the name you enter."}
          </p>
        </form>
        <section class="prejoin-devices" aria-labelledby="prejoin-devices-title">
          <h2 id="prejoin-devices-title">Devices</h2>
          <DevicePickers local={local} />
        </section>
      </div>
    </main>
  );
}

/** A stable MediaStream around the current preview track. */
function useVideoStream(track: MediaStreamTrack | null): MediaStream | null {
  const [cache] = useState(() => new Map<MediaStreamTrack, MediaStream>());
  if (!track) return null;
  let stream = cache.get(track);
  if (!stream) {
    cache.clear();
    stream = new MediaStream([track]);
    cache.set(track, stream);
  }
  return stream;
}
