import { useEffect, useRef, useState } from "preact/hooks";
import { canTransformMedia } from "../call/e2ee-worker-client.ts";
import { LocalMedia } from "../call/local-media.ts";
import { type MeetingAccess, MeetingStore } from "../call/meeting-store.ts";
import { checkLink, knockLinkPath, readKnockLink } from "../call/room-link.ts";
import { type InsecureOrigin, insecureOrigin } from "../call/secure-origin.ts";
import { InsecureOriginScreen } from "./insecure-origin.tsx";
import { Meeting } from "./meeting.tsx";
import { Prejoin } from "./prejoin.tsx";

type Step =
  | { readonly step: "checking" }
  | { readonly step: "incomplete" }
  | { readonly step: "unsupported" }
  | { readonly step: "insecure"; readonly origin: InsecureOrigin }
  | { readonly step: "prejoin"; readonly link: MeetingAccess; readonly local: LocalMedia }
  | { readonly step: "meeting"; readonly meeting: MeetingStore; readonly name: string };

interface Props {
  roomId: string;
  secret: string | null;
  navigate: (path: string) => void;
}

/**
 * `/m/<roomId>#<secret>`: checks the link, then prejoin, then the meeting. A knock link
 * (`#k=<host fingerprint>`) asks to join instead, and waits for a host in the meeting's lobby.
 */
export function MeetingRoute({ roomId, secret, navigate }: Props) {
  const [state, setState] = useState<Step>({ step: "checking" });

  useEffect(() => {
    let cancelled = false;
    // WebCrypto, the camera and encoded transforms all exist only on https (or localhost).
    const insecure = insecureOrigin(location.href, isSecureContext);
    if (insecure) {
      setState({ step: "insecure", origin: insecure });
      return;
    }
    const knock = readKnockLink(roomId, secret);
    (knock ? Promise.resolve(knock) : checkLink(roomId, secret)).then(
      (link: MeetingAccess | null) => {
        if (cancelled) return;
        if (!link) return setState({ step: "incomplete" });
        // Never join without end-to-end encryption (DESIGN.md §6).
        if (!canTransformMedia()) return setState({ step: "unsupported" });
        const local = new LocalMedia();
        void local.start();
        setState({ step: "prejoin", link, local });
      },
      () => {
        if (!cancelled) setState({ step: "incomplete" });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [roomId, secret]);

  // Release the camera and leave when navigating away or closing the page.
  const current = useRef(state);
  current.current = state;
  useEffect(() => {
    const release = () => {
      const s = current.current;
      if (s.step === "prejoin") s.local.stop();
      if (s.step === "meeting") void s.meeting.leave();
    };
    addEventListener("pagehide", release);
    return () => {
      removeEventListener("pagehide", release);
      release();
    };
  }, []);

  const join = (link: MeetingAccess, local: LocalMedia, name: string) => {
    const meeting = new MeetingStore(link, name, local);
    meeting.join();
    setState({ step: "meeting", meeting, name });
  };

  switch (state.step) {
    case "checking":
      return (
        <main class="center-screen" aria-busy="true">
          <span class="spinner" aria-hidden="true" />
          <p>Opening the meeting…</p>
        </main>
      );
    case "incomplete":
      return (
        <main class="center-screen">
          <h1>This meeting link is incomplete</h1>
          <p role="alert">
            The part after the <code>#</code> is missing or damaged, and it holds the meeting’s key.
            Ask the person who invited you to send the whole link again, and open it exactly as
            sent.
          </p>
          <div class="button-row">
            <button type="button" class="btn btn-primary" onClick={() => navigate("/")}>
              Home
            </button>
          </div>
        </main>
      );
    case "unsupported":
      return (
        <main class="center-screen">
          <h1>This browser can’t join</h1>
          <p role="alert">
            This browser can't run Conclave's end-to-end encryption; use a current Chrome, Edge,
            Firefox or Safari.
          </p>
        </main>
      );
    case "insecure":
      return <InsecureOriginScreen origin={state.origin} onHome={() => navigate("/")} />;
    case "prejoin":
      return (
        <Prejoin
          local={state.local}
          knock={!("secret" in state.link)}
          onJoin={(name) => join(state.link, state.local, name)}
        />
      );
    case "meeting": {
      const { name } = state;
      return (
        <Meeting
          meeting={state.meeting}
          name={name}
          onHome={() => navigate("/")}
          onAskToJoin={() => navigate(knockLinkPath(roomId, null))}
          onRejoin={() => {
            // Come back as you left: camera and microphone on or off as they were.
            const before = state.meeting.local.state;
            const local = new LocalMedia();
            void local.start({ audio: true, video: before.camera !== "off" }).then(() => {
              if (before.mic === "off") local.setMicOn(false);
            });
            join(state.meeting.access, local, name);
          }}
        />
      );
    }
  }
}
