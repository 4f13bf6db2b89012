import { linkify } from "../call/linkify.ts";

/**
 * A chat message as text nodes, with its http(s) URLs as links that open apart from this page and
 * send no Referer (the meeting's path is in it). Nothing is ever parsed as HTML.
 */
export function ChatText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((part, i) =>
        part.kind === "text" ? (
          part.text
        ) : (
          <a
            key={i}
            href={part.href}
            target="_blank"
            rel="noopener noreferrer"
            referrerpolicy="no-referrer"
          >
            {part.text}
          </a>
        ),
      )}
    </>
  );
}
