/**
 * Makes a process's event loop lag from outside, as when it forwards more packets than its core
 * can: stops `pid` for 150 ms, lets it run for 10, again until stopped: its event loop runs in slices
 * shorter than its 10 ms delay timer, so nearly every tick of that timer comes late.
 */
export function starve(pid: number): { stop(): void } {
  let running = true;
  const cycle = () => {
    if (!running) return;
    process.kill(pid, "SIGSTOP");
    setTimeout(() => {
      process.kill(pid, "SIGCONT");
      if (running) setTimeout(cycle, 10);
    }, 150);
  };
  cycle();
  return {
    stop() {
      running = false;
      process.kill(pid, "SIGCONT");
    },
  };
}
