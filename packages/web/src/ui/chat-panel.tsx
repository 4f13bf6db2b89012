import { useEffect, useRef, useState } from "preact/hooks";
import type { MeetingStore } from "../call/meeting-store.ts";
import { MAX_CHAT_LENGTH } from "../worker/messages.ts";
import { useStore } from "./use-store.ts";

/** End-to-end encrypted chat (MLS application messages). Text only: never rendered as HTML. */
export function ChatPanel({ meeting, onClose }: { meeting: MeetingStore; onClose: () => void }) {
  const { chat, group } = useStore(meeting.transforms);
  const [draft, setDraft] = useState("");
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus({ preventScroll: true }), []);
  const send = () => {
    const text = draft.trim();
    if (text.length === 0) return;
    meeting.transforms.sendChat(text);
    setDraft("");
  };
  return (
    <aside
      class="diagnostics side-panel chat"
      aria-labelledby="chat-title"
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <div class="diagnostics-head">
        <h2 id="chat-title">Chat</h2>
        <button type="button" class="btn btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      <ol class="chat-log" aria-label="Messages" aria-live="polite">
        {chat.length === 0 && <li class="hint">No messages yet.</li>}
        {chat.map((m) => (
          <li key={m.id} class={m.self ? "self" : undefined}>
            <span class="chat-name">{m.name}</span> <span class="chat-text">{m.text}</span>
          </li>
        ))}
      </ol>
      <form
        class="chat-form"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <input
          type="text"
          aria-label="Message"
          placeholder={group.status === "member" ? "Message everyone" : "Joining…"}
          maxLength={MAX_CHAT_LENGTH}
          value={draft}
          ref={input}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button type="submit" class="btn btn-small">
          Send
        </button>
      </form>
    </aside>
  );
}
