import type { InsecureOrigin } from "../call/secure-origin.ts";

/**
 * Says why nothing will work on this address, and where it would: the same page over https, or
 * localhost on the server's own machine (call/secure-origin.ts).
 */
export function InsecureOriginText({ origin }: { origin: InsecureOrigin }) {
  return (
    <>
      <p>
        This page was opened at <code>{origin.opened}</code>, which is not a secure address.
        Browsers give the camera, the microphone and the encryption only to pages opened with{" "}
        <code>https://</code>, or at <code>localhost</code> on the machine that runs the server.
      </p>
      <p>
        Open <a href={origin.https}>{origin.https.replace(/#.*/, "#…")}</a> instead. If that does
        not open, whoever runs this server can turn HTTPS on: <code>HTTPS=self-signed</code> for a
        home or office network, or a certificate for a public name.
      </p>
    </>
  );
}

/** A meeting link opened at an insecure address: the way there, and the way home. */
export function InsecureOriginScreen({
  origin,
  onHome,
}: {
  origin: InsecureOrigin;
  onHome: () => void;
}) {
  return (
    <main class="center-screen insecure-origin">
      <h1>Open this meeting over https</h1>
      <div role="alert">
        <InsecureOriginText origin={origin} />
      </div>
      <div class="button-row">
        <a class="btn btn-primary" href={origin.https}>
          Open over https
        </a>
        <button type="button" class="btn" onClick={onHome}>
          Home
        </button>
      </div>
    </main>
  );
}
