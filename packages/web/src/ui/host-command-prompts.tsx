import type { HostCommands } from "../call/host-commands.ts";
import { useStore } from "./use-store.ts";

/**
 * What a host or co-host asked of us (call/host-commands.ts): an ask to unmute waits for the
 * user's Unmute or Dismiss; a mute says who did it. Each is announced as it comes.
 */
export function HostCommandPrompts({ commands }: { commands: HostCommands }) {
  const { unmuteAsk, mutedBy, announcement } = useStore(commands);
  return (
    <>
      {unmuteAsk !== null && (
        <section class="banner" aria-label="Request to unmute" data-host-command="ask">
          <span>{unmuteAsk} asks you to unmute</span>
          <div class="button-row">
            <button
              type="button"
              class="btn btn-small btn-primary"
              onClick={() => commands.unmute()}
            >
              Unmute
            </button>
            <button type="button" class="btn btn-small" onClick={() => commands.dismiss()}>
              Dismiss
            </button>
          </div>
        </section>
      )}
      {mutedBy !== null && (
        <div class="banner" data-host-command="muted">
          <span>{mutedBy} muted you</span>
          <button type="button" class="btn btn-small" onClick={() => commands.dismiss()}>
            Dismiss
          </button>
        </div>
      )}
      <div class="sr-only" aria-live="assertive" aria-atomic="true">
        {announcement}
      </div>
    </>
  );
}
