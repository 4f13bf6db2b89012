/**
 * Browsers give the camera, the microphone and WebCrypto only to secure origins: pages opened over
 * https, and http on loopback names (W3C Secure Contexts §3.1). A page opened as
 * http://<LAN address> has none of them, so the app says so by name instead of failing later.
 */

/** What an insecure page tells its reader: where it was opened, and where to open it instead. */
export interface InsecureOrigin {
  /** The address as opened, e.g. `http://192.168.1.20:8080`. */
  readonly opened: string;
  /** The same page over https, with its path and fragment (a meeting link keeps its key). */
  readonly https: string;
}

/** null on a secure page; else what to tell about it. */
export function insecureOrigin(href: string, isSecure: boolean): InsecureOrigin | null {
  if (isSecure) return null;
  const url = new URL(href);
  const opened = url.origin;
  url.protocol = "https:";
  return { opened, https: url.href };
}
