/**
 * Chat text cut into plain text and web links. The result is rendered as text nodes and anchors,
 * never parsed as HTML; only http(s) URLs become links, every other scheme (javascript:, data:,
 * file:...) stays inert text.
 */
export type TextPart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "link"; readonly text: string; readonly href: string };

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"]+/gi;
/** Punctuation that usually ends the sentence around a URL rather than the URL itself. */
const TRAILING = /[.,;:!?'")\]}]+$/;

/** Drops trailing punctuation, keeping a closing parenthesis that the URL itself opened. */
function trimUrl(candidate: string): string {
  let url = candidate.replace(TRAILING, "");
  const rest = candidate.slice(url.length);
  for (const c of rest) {
    const opens = url.split("(").length - 1;
    const closes = url.split(")").length - 1;
    if (c !== ")" || opens <= closes) break;
    url += c;
  }
  return url;
}

function webLink(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return url.href;
}

export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plain = "";
  let last = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const url = trimUrl(match[0]);
    const href = webLink(url);
    if (href === null) continue;
    plain += text.slice(last, match.index);
    if (plain !== "") parts.push({ kind: "text", text: plain });
    plain = "";
    parts.push({ kind: "link", text: url, href });
    last = match.index + url.length;
  }
  plain += text.slice(last);
  if (plain !== "") parts.push({ kind: "text", text: plain });
  return parts;
}
