// Joining (docs/e2ee.md "Founding and joining"): found the group when the server has none, or
// upload a fresh KeyPackage (with our admission proof and sealed name) and open the Welcome that
// answers it; refresh the KeyPackage while nobody adds us; give everything up and join again when
// our state is lost (a missed commit, a failed commit nobody rolled back).
import { toBase64url } from "@conclave/protocol";
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { type KeyPackageBundle, makeKeyPackage } from "../mls/key-package.ts";
import { createMeeting, type Transition } from "../mls/session.ts";
import { joinFromWelcome } from "../mls/welcome.ts";
import { uploadExtras } from "./admission-gate.ts";
import type { Draft } from "./draft.ts";
import { newEpoch, newRing } from "./epochs.ts";
import { NO_REQUESTS } from "./host-requests.ts";
import type { Ctx } from "./member-state.ts";
import { rebuildRoster } from "./roster-view.ts";
import { policyOf, reasonOf } from "./session-policy.ts";

/** A KeyPackage's private keys: erased once it can no longer open a Welcome. */
export function bundleSecrets(bundle: KeyPackageBundle): Uint8Array[] {
  return [bundle.privatePackage.initPrivateKey, bundle.privatePackage.hpkePrivateKey];
}

/** Drops the group we were in, if any, and everything that hung on it; a fresh key ring. */
export function forgetState(d: Draft, ctx: Ctx): void {
  d.erase(d.state.unerased);
  d.set({
    unerased: [],
    session: undefined,
    previous: undefined,
    appliedRef: undefined,
    inFlight: undefined,
    awaitingRollback: undefined,
    queue: [],
    names: new Map(),
    requests: NO_REQUESTS,
    rolesShown: undefined,
    duty: { ...d.state.duty, hostlessSince: undefined, rekeySince: undefined },
  });
  newRing(d);
  rebuildRoster(d, ctx);
}

async function sendKeyPackage(d: Draft, ctx: Ctx): Promise<void> {
  const { identity } = ctx.config;
  const suite = await loadMlsCiphersuite(ctx.config.ciphersuite);
  const bundle = await makeKeyPackage(identity, suite, { now: ctx.now() });
  // Keep the one before too: its Welcome may already be on the way.
  const [before, ...older] = d.state.bundles;
  d.erase(older.flatMap(bundleSecrets));
  d.set({
    bundles: before === undefined ? [bundle] : [bundle, before],
    keyPackageSentAt: ctx.now(),
  });
  const extras = await uploadExtras(d.state.gate, bundle, identity.displayName);
  d.send({ type: "mls-key-package", keyPackage: toBase64url(bundle.encoded), ...extras });
}

export async function startJoining(d: Draft, ctx: Ctx): Promise<void> {
  forgetState(d, ctx);
  d.set({ founded: false, status: "joining" });
  await sendKeyPackage(d, ctx);
}

export async function rejoin(d: Draft, ctx: Ctx, why: string): Promise<void> {
  d.count("rejoins");
  d.report("REJOINING", why);
  await startJoining(d, ctx);
}

/**
 * The server forgot our upload with the connection that carried it (a knock that came back, to
 * its knock or a new one): while still waiting to be added, we upload a fresh KeyPackage.
 */
export async function uploadAgain(d: Draft, ctx: Ctx): Promise<void> {
  if (d.state.status === "joining") await sendKeyPackage(d, ctx);
}

/** A joiner not added within the refresh time uploads a fresh KeyPackage. */
export async function refreshKeyPackage(d: Draft, ctx: Ctx): Promise<void> {
  const { status, keyPackageSentAt } = d.state;
  if (status === "joining" && ctx.now() >= keyPackageSentAt + ctx.config.keyPackageRefreshMs) {
    await sendKeyPackage(d, ctx);
  }
}

/** The server has no group yet: we make it (group of one, we are its host). */
export async function found(d: Draft, ctx: Ctx): Promise<void> {
  // Without the secret we could not admit the invited (no proofs to check, no Welcome tags they
  // would accept): a knock waits for a host's group instead.
  if (d.state.gate.keys === undefined) {
    await startJoining(d, ctx);
    return;
  }
  forgetState(d, ctx);
  const made = await createMeeting(ctx.config.identity, {
    policy: policyOf(d.state, ctx),
    now: ctx.now(),
    ...(ctx.config.ciphersuite === undefined ? {} : { ciphersuite: ctx.config.ciphersuite }),
  });
  d.erase(made.consumed);
  d.set({ session: made.session, founded: true, status: "member" });
  d.send({ type: "mls-found", groupId: toBase64url(made.session.groupId) });
  await newEpoch(d, ctx, undefined, "founded", undefined);
}

export async function onWelcome(d: Draft, ctx: Ctx, bytes: Uint8Array): Promise<void> {
  if (d.state.status !== "joining") return;
  const reasons: string[] = [];
  const { bundles } = d.state;
  for (const bundle of bundles) {
    let joined: Transition;
    try {
      joined = await joinFromWelcome(bundle, bytes, { policy: policyOf(d.state, ctx) });
    } catch (error) {
      // A Welcome with no valid tag, or not from the pinned host: the server may be trying to
      // seat us in a group of its own (admission/admission-policy.ts).
      d.securityOf(error);
      reasons.push(reasonOf(error));
      continue;
    }
    d.erase(joined.consumed);
    d.erase(bundles.filter((other) => other !== bundle).flatMap(bundleSecrets));
    d.set({ bundles: [], session: joined.session, status: "member" });
    await newEpoch(d, ctx, undefined, "joined", undefined);
    return;
  }
  d.bad(`a Welcome that none of our KeyPackages can open (${reasons.join("; ")})`);
  // The committer thinks we are in; a fresh KeyPackage gets our old leaf replaced.
  await sendKeyPackage(d, ctx);
}
