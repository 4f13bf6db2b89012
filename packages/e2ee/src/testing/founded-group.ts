// A real MLS group: names[0] founds it and adds the others in one commit, so leaf i is names[i]
// and every member is in the same epoch. For tests of what sits on MLS sessions. For tests only.
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { addMembers } from "../mls/commits.ts";
import { createDeviceIdentity } from "../mls/credential.ts";
import { makeKeyPackage } from "../mls/key-package.ts";
import { createMeeting, type MlsSession } from "../mls/session.ts";
import { joinFromWelcome } from "../mls/welcome.ts";

export async function foundedGroup(names: readonly string[]): Promise<MlsSession[]> {
  const suite = await loadMlsCiphersuite();
  const device = (name: string) =>
    createDeviceIdentity({ displayName: name, deviceId: name }, suite);
  const [first = "founder", ...rest] = names;
  const founder = await createMeeting(await device(first));
  const bundles = await Promise.all(rest.map(async (n) => makeKeyPackage(await device(n), suite)));
  const add = await addMembers(
    founder.session,
    bundles.map((b) => b.encoded),
  );
  const joined = await Promise.all(
    bundles.map(async (b) => (await joinFromWelcome(b, add.welcome)).session),
  );
  return [add.session, ...joined];
}
