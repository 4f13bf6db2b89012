import { useEffect, useRef } from "preact/hooks";
import { canChooseSpeaker } from "../call/local-media.ts";

interface VideoProps {
  stream: MediaStream | null;
  mirrored?: boolean;
  hidden?: boolean;
}

/** A muted, inline, autoplaying video for a stream (audio plays through `AudioOut`). */
export function VideoView({ stream, mirrored = false, hidden = false }: VideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video || video.srcObject === stream) return;
    video.srcObject = stream;
    if (stream) video.play().catch(() => {});
  }, [stream]);
  return (
    <video
      ref={ref}
      class={`tile-video${mirrored ? " mirrored" : ""}${hidden ? " is-hidden" : ""}`}
      autoplay
      playsinline
      muted
    />
  );
}

/** Plays a remote participant's audio, on the chosen speaker (null: the system's default). */
export function AudioOut({
  stream,
  sinkId = null,
}: {
  stream: MediaStream | null;
  sinkId?: string | null;
}) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = ref.current;
    if (!audio || audio.srcObject === stream) return;
    audio.srcObject = stream;
    if (stream) audio.play().catch(() => {});
  }, [stream]);
  useEffect(() => {
    const audio = ref.current;
    if (!audio || !canChooseSpeaker() || audio.sinkId === (sinkId ?? "")) return;
    // A speaker that went away leaves the audio where it was.
    audio.setSinkId(sinkId ?? "").catch(() => {});
  }, [sinkId]);
  return (
    // biome-ignore lint/a11y/useMediaCaption: live call audio; there is no caption track to offer
    <audio ref={ref} autoplay />
  );
}
