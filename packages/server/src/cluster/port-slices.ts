/**
 * Worker `index`'s share of the media port range (RTC_MIN_PORT-RTC_MAX_PORT), in equal slices, the
 * last one taking what division leaves over: each worker's SFU binds only its own ports, so no two
 * workers contend for one. Without a range every worker takes the ports the system gives it.
 */
export function portSlice(
  range: readonly [number, number] | null,
  workers: number,
  index: number,
): readonly [number, number] | null {
  if (range === null) return null;
  const [min, max] = range;
  const size = Math.floor((max - min + 1) / workers);
  const first = min + index * size;
  return [first, index === workers - 1 ? max : first + size - 1];
}
