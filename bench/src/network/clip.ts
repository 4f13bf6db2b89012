/**
 * The camera the benchmark publishes: a 720p30 clip in Chromium's fake-capture format (Y4M),
 * made with Debian's ffmpeg from its own test pattern with moving sensor-like noise, so the encoder
 * has a real camera's work (the fake camera's plain pattern needs only ~0.7 Mbit/s). Made once per
 * machine, in the temporary directory.
 */
import { execFileSync } from "node:child_process";
import { existsSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CLIP_SECONDS = 10;

export function cameraClip(): string {
  const path = join(tmpdir(), "conclave-bench-720p30.y4m");
  if (existsSync(path)) return path;
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
  } catch {
    throw new Error("the network benchmark needs ffmpeg (scripts/install-bench-deps.sh)");
  }
  const partial = `${path}.partial.y4m`;
  execFileSync(
    "ffmpeg",
    [
      "-loglevel",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=1280x720:rate=30:duration=${CLIP_SECONDS}`,
      "-vf",
      "noise=alls=12:allf=t+u,format=yuv420p",
      "-f",
      "yuv4mpegpipe",
      partial,
    ],
    { stdio: "inherit" },
  );
  renameSync(partial, path);
  return path;
}
