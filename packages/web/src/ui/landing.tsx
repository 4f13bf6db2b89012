import { useState } from "preact/hooks";
import { newMeetingPath, readPastedLink } from "../call/room-link.ts";
import { type InsecureOrigin, insecureOrigin } from "../call/secure-origin.ts";
import { LockIcon } from "./icons.tsx";
import { InsecureOriginText } from "./insecure-origin.tsx";

export function Landing({ navigate }: { navigate: (path: string) => void }) {
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [insecure, setInsecure] = useState<InsecureOrigin | null>(null);
  const [pasted, setPasted] = useState("");
  const [pasteError, setPasteError] = useState<string | null>(null);

  const create = async () => {
    // The meeting key is made with WebCrypto, which insecure pages do not have.
    const origin = insecureOrigin(location.href, isSecureContext);
    if (origin) return setInsecure(origin);
    setCreating(true);
    setError(null);
    try {
      navigate(await newMeetingPath());
    } catch {
      setError(
        "This browser could not create a meeting key. Use a current Chrome, Edge, Firefox or Safari.",
      );
      setCreating(false);
    }
  };

  const open = (event: Event) => {
    event.preventDefault();
    const url = readPastedLink(pasted, location.href);
    if (!url) {
      setPasteError("That is not a Conclave meeting link. It looks like https://…/m/…#…");
      return;
    }
    if (url.origin === location.origin) navigate(url.pathname + url.hash);
    else location.assign(url.href);
  };

  return (
    <main class="landing">
      <div class="brand-mark" aria-hidden="true" />
      <h1>Conclave</h1>
      <p class="tagline">
        Video meetings on your own server, with no accounts and nothing from third parties. Video,
        audio and chat are end-to-end encrypted: the keys are made on each participant’s device, and
        the server relays only what it cannot read.
      </p>
      <button type="button" class="btn btn-primary btn-large" onClick={create} disabled={creating}>
        {creating ? "Creating…" : "New meeting"}
      </button>
      {error && (
        <p class="message message-error" role="alert">
          {error}
        </p>
      )}
      {insecure && (
        <div class="message message-warn insecure-origin" role="alert">
          <InsecureOriginText origin={insecure} />
        </div>
      )}
      <form class="paste-form" onSubmit={open}>
        <label for="paste-link">Have a link? Paste it here</label>
        <div class="paste-row">
          <input
            id="paste-link"
            type="url"
            inputMode="url"
            autoComplete="off"
            spellcheck={false}
            placeholder="https://…/m/…#…"
            value={pasted}
            aria-invalid={pasteError ? "true" : undefined}
            aria-describedby={pasteError ? "paste-error" : undefined}
            onInput={(e) => {
              setPasted(e.currentTarget.value);
              setPasteError(null);
            }}
          />
          <button type="submit" class="btn" disabled={pasted.trim() === ""}>
            Open
          </button>
        </div>
        {pasteError && (
          <p id="paste-error" class="field-error">
            {pasteError}
          </p>
        )}
      </form>
      <p class="fine-print">
        <LockIcon /> The meeting key stays in the link after the <code>#</code>; browsers never send
        that part to the server.
      </p>
    </main>
  );
}
