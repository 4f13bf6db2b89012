// Display names as people see them. A name is whatever its owner said in its signed `hello`, put
// in one canonical form (normaliseDisplayName, in @conclave/protocol). Two members who chose the
// same name are told apart by the start of their fingerprint, which the server cannot choose.

/**
 * The name to show for each member: its own, or, when another member has the same name (ignoring
 * case), the name followed by the first four hex digits of its fingerprint.
 */
export function distinctNames(
  members: readonly {
    readonly leaf: number;
    readonly name: string;
    readonly fingerprint: string;
  }[],
): Map<number, string> {
  const count = new Map<string, number>();
  const key = (name: string) => name.toLocaleLowerCase();
  for (const m of members)
    if (m.name !== "") count.set(key(m.name), (count.get(key(m.name)) ?? 0) + 1);
  const shown = new Map<number, string>();
  for (const m of members) {
    const duplicate = m.name !== "" && (count.get(key(m.name)) ?? 0) > 1;
    const tag = m.fingerprint.replace(/[^0-9a-f]/giu, "").slice(0, 4);
    shown.set(m.leaf, duplicate ? `${m.name} (${tag})` : m.name);
  }
  return shown;
}
