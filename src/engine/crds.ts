// Waiting for CustomResourceDefinitions to be served: until a CRD reports
// Established, creating objects of its kind fails with "no matches for kind".
// A CRD the API server will never establish (its names conflict with
// another's, its conversion webhook's CA bundle is not a certificate) says so
// in a condition: that fails the wait within a second, with the condition's
// words. (A second, not the first look: a name conflict with a CRD that is
// still being deleted, or one just fixed, clears by itself.)
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kube, KubeObject } from '../kube/types.js';
import { GdeployError } from './errors.js';

const POLL_MS = 100;
const DEFAULT_TIMEOUT_MS = 60_000;
/** How long a CRD must say it is stuck before the wait believes it. */
const STUCK_MS = 1_000;

export async function waitEstablished(kube: Kube, names: string[], signal?: AbortSignal, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...names];
  const stuckSince = new Map<string, number>();
  while (pending.length > 0) {
    const crds = await Promise.all(
      pending.map((name) => kube.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name }, { signal })),
    );
    const failed: string[] = [];
    crds.forEach((crd, i) => {
      const why = crdFailure(crd);
      const name = pending[i]!;
      if (why === undefined) return void stuckSince.delete(name);
      if (!stuckSince.has(name)) stuckSince.set(name, Date.now());
      if (Date.now() - stuckSince.get(name)! >= STUCK_MS) failed.push(why);
    });
    if (failed.length > 0) throw new GdeployError(failed.join('\n'));
    pending = pending.filter((_, i) => !isEstablished(crds[i]!));
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      throw new GdeployError(`CustomResourceDefinition ${pending.join(', ')} not Established after ${timeoutMs / 1000}s`);
    }
    await sleep(POLL_MS, undefined, { signal });
  }
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** Reasons of a False condition that only mean "not yet". */
const PASSING = new Set(['Installing', '']);

/**
 * Why a CRD will not become Established, from its conditions: a False
 * Established or NamesAccepted whose reason is not a passing state.
 * Undefined when nothing says it is stuck.
 */
export function crdFailure(crd: KubeObject): string | undefined {
  if (isEstablished(crd)) return undefined;
  const conditions = ((crd.status ?? {}) as { conditions?: Condition[] }).conditions ?? [];
  const stuck = conditions.find((c) => (c.type === 'Established' || c.type === 'NamesAccepted') && c.status === 'False' && !PASSING.has(c.reason ?? ''));
  if (!stuck) return undefined;
  return `CustomResourceDefinition/${crd.metadata.name} cannot become Established: ${stuck.type}=False, ${stuck.reason}: ${stuck.message ?? ''}`.trimEnd();
}

export function isEstablished(crd: KubeObject): boolean {
  const conditions = ((crd.status ?? {}) as { conditions?: Array<{ type?: string; status?: string }> }).conditions ?? [];
  return conditions.some((c) => c.type === 'Established' && c.status === 'True');
}
