import { focusOnMount } from "./focus-on-mount.ts";

/**
 * What a wrong address shows (the server answers it with this page and status 404,
 * packages/server/src/http.ts): that nothing is there, the likely cause, and the way home.
 */
export function NotFound({ navigate }: { navigate: (path: string) => void }) {
  return (
    <main class="center-screen">
      <h1 tabIndex={-1} ref={focusOnMount}>
        Page not found
      </h1>
      <p>
        There is nothing at this address. If someone sent you a meeting link, check that you opened
        all of it: it looks like <code>{location.host}/m/…#…</code>.
      </p>
      <div class="button-row">
        <a
          class="btn btn-primary"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate("/");
          }}
        >
          Go to the home page
        </a>
      </div>
    </main>
  );
}
