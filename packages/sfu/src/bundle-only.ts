/**
 * Bundle-only m-lines. Under `bundlePolicy: "max-bundle"` JSEP has the offerer give every m-line
 * but the first port 0 and `a=bundle-only` (RFC 8829 §5.2.1); Firefox does so. Such an m-line is
 * part of its BUNDLE group, carried on the tagged m-line's transport, not rejected (RFC 8843 §6).
 * werift 0.25.2 reads port 0 as rejected wherever it looks, so before it sees an offer each
 * bundle-only m-line of a BUNDLE group takes the port of the group's tag (RFC 8843 §7.2.1: the
 * first mid of the group), as a browser without bundle-only would have written it.
 */

const SECTION_START = /^(?=m=)/m;

function midOf(section: string): string | undefined {
  return /^a=mid:(\S+)\r?$/m.exec(section)?.[1];
}

function portOf(section: string): string | undefined {
  return /^m=\w+ (\d+)/.exec(section)?.[1];
}

export function withBundleOnlyPorts(sdp: string): string {
  const [session = "", ...sections] = sdp.split(SECTION_START);
  const groups = [...session.matchAll(/^a=group:BUNDLE ([^\r\n]*)$/gm)].map((m) =>
    (m[1] ?? "").trim().split(/\s+/),
  );
  const portOfMid = new Map(sections.map((s) => [midOf(s), portOf(s)]));
  const tagPort = new Map<string, string>();
  for (const mids of groups) {
    const port = portOfMid.get(mids[0]);
    if (port === undefined || port === "0") continue;
    for (const mid of mids) tagPort.set(mid, port);
  }
  const bundled = sections.map((section) => {
    const mid = midOf(section);
    const port = mid === undefined ? undefined : tagPort.get(mid);
    if (port === undefined || portOf(section) !== "0" || !/^a=bundle-only\r?$/m.test(section)) {
      return section;
    }
    return section.replace(/^(m=\w+ )0 /, `$1${port} `).replace(/^a=bundle-only\r?\n/m, "");
  });
  return session + bundled.join("");
}
