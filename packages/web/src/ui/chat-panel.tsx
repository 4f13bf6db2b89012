import { MAX_CHAT_TEXT } from "@conclave/protocol";
import { useEffect, useRef, useState } from "preact/hooks";
import type { MeetingActivity } from "../call/meeting-activity.ts";
import type { GroupStatus } from "../worker/reports.ts";
import { ChatText } from "./chat-text.tsx";
import { DownloadIcon } from "./icons.tsx";
import { useStore } from "./use-store.ts";

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

interface ChatPanelProps {
  activity: MeetingActivity;
  groupStatus: GroupStatus;
  onClose: () => void;
}

/** End-to-end encrypted chat (MLS application messages). Text only: never rendered as HTML. */
export function ChatPanel({ activity, groupStatus, onClose }: ChatPanelProps) {
  const { chat, chatError } = useStore(activity);
  const [draft, setDraft] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLOListElement>(null);
  useEffect(() => input.current?.focus({ preventScroll: true }), []);
  useEffect(() => {
    activity.setChatVisible(true);
    return () => activity.setChatVisible(false);
  }, [activity]);
  // Follow the conversation to its newest message.
  useEffect(() => {
    const list = log.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [chat.length]);
  const download = useTranscriptLink(activity, chat);
  const send = () => {
    const text = draft.trim();
    if (text.length === 0) return;
    if (activity.sendChat(text)) setDraft("");
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
        <div class="head-actions">
          {download && (
            <a class="btn btn-small btn-ghost" href={download.url} download={download.name}>
              <DownloadIcon />
              Save chat
            </a>
          )}
          <button type="button" class="btn btn-small" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      <ol class="chat-log" aria-label="Messages" aria-live="polite" ref={log}>
        {chat.length === 0 && <li class="hint">No messages yet.</li>}
        {chat.map((m) => (
          <li key={m.id} class={m.self ? "self" : undefined}>
            <span class="chat-name">{m.name}</span>{" "}
            <time class="chat-time" dateTime={new Date(m.at).toISOString()}>
              {TIME.format(m.at)}
            </time>
            <div class="chat-text">
              <ChatText text={m.text} />
            </div>
          </li>
        ))}
      </ol>
      {chatError && (
        <p class="field-error" role="alert">
          {chatError}
        </p>
      )}
      <form
        class="chat-form"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <textarea
          aria-label="Message"
          aria-describedby="chat-hint"
          placeholder={groupStatus === "member" ? "Message everyone" : "Joining…"}
          maxLength={MAX_CHAT_TEXT}
          rows={1}
          value={draft}
          ref={input}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Enter sends, Shift+Enter starts a new line; never while an IME is composing.
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        <button type="submit" class="btn btn-small">
          Send
        </button>
      </form>
      <p id="chat-hint" class="hint chat-hint">
        Enter sends, Shift+Enter adds a line. Only people in the meeting can read it.
      </p>
    </aside>
  );
}

/** A blob: URL of the transcript as it is now: saved on this device, never sent anywhere. */
function useTranscriptLink(activity: MeetingActivity, chat: readonly unknown[]) {
  const [link, setLink] = useState<{ url: string; name: string } | null>(null);
  useEffect(() => {
    if (chat.length === 0) {
      setLink(null);
      return;
    }
    const { file, name } = activity.transcript();
    const url = URL.createObjectURL(file);
    setLink({ url, name });
    return () => URL.revokeObjectURL(url);
  }, [activity, chat]);
  return link;
}
