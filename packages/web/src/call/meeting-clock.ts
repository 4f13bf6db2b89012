/**
 * The meeting timer's text (ui/meeting-timer.tsx): time since this device joined, as a clock
 * reads it ("4:05", "1:02:03"), and the same as an ISO 8601 duration for `<time datetime>`.
 */

function parts(ms: number): { hours: number; minutes: number; seconds: number } {
  const total = Math.max(0, Math.floor(ms / 1000));
  return {
    hours: Math.floor(total / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  };
}

const two = (n: number) => String(n).padStart(2, "0");

export function formatElapsed(ms: number): string {
  const { hours, minutes, seconds } = parts(ms);
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${minutes}:${two(seconds)}`;
}

export function isoDuration(ms: number): string {
  const { hours, minutes, seconds } = parts(ms);
  return `PT${hours}H${minutes}M${seconds}S`;
}
