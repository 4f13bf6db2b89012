import type { MeetingActivity } from "../call/meeting-activity.ts";
import { HandIcon } from "./icons.tsx";
import { useStore } from "./use-store.ts";

/** Raise hand / Lower hand. */
export function HandButton({ activity }: { activity: MeetingActivity }) {
  const raised = useStore(activity).ownHandAt !== null;
  return (
    <button
      type="button"
      class={`btn btn-round${raised ? " is-active" : ""}`}
      title={raised ? "Lower hand (H)" : "Raise hand (H)"}
      onClick={() => activity.setHand(!raised)}
    >
      <HandIcon />
      <span class="btn-label">{raised ? "Lower hand" : "Raise hand"}</span>
    </button>
  );
}

/** Everyone's raised hands in the order they were raised, shown to everyone. */
export function RaisedHands({ activity }: { activity: MeetingActivity }) {
  const { hands } = useStore(activity);
  if (hands.length === 0) return null;
  return (
    <section class="hand-queue" aria-labelledby="hand-queue-title">
      <h2 id="hand-queue-title" class="hand-queue-title">
        <HandIcon />
        Raised hands
      </h2>
      <ol aria-labelledby="hand-queue-title">
        {hands.map((hand) => (
          <li key={hand.key} class={hand.self ? "self" : undefined}>
            {hand.self ? "You" : hand.name}
          </li>
        ))}
      </ol>
    </section>
  );
}
