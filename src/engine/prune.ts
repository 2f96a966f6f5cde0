// Pruning: deleting the app's objects that left its manifests. Only entries the
// plan made from the inventory arrive here, so nothing outside it is touched.
// Dependents go before what they live in: ordinary objects, then CRDs (their
// custom resources are gone by then), then Namespaces. A halt (SIGINT,
// SIGTERM) lets deletes in flight finish and starts no other: the objects left
// stay in the inventory for the next run.
import type { Kube, KubeObject } from '../kube/types.js';
import { isNotFound } from '../kube/errors.js';
import { errorMessage } from './errors.js';
import { DEFAULT_CONCURRENCY, eachUntilHalted } from './pool.js';
import { notDone } from './halt.js';
import { isCRD, isNamespace } from './kinds.js';
import type { EngineError, PlannedChange } from './types.js';

export interface PruneOptions {
  concurrency?: number;
  signal?: AbortSignal;
  /** Once aborted, no new delete starts. */
  halt?: AbortSignal;
  onChange?: (c: PlannedChange) => void;
  /**
   * Asked again just before a Namespace is deleted, with what the run pruned:
   * why it must stay after all (objects arrived since planning), or undefined.
   */
  recheck?: (namespace: KubeObject, pruned: KubeObject[]) => Promise<string | undefined>;
}

export async function prune(kube: Kube, prunes: PlannedChange[], opts: PruneOptions, errors: EngineError[]): Promise<void> {
  const tiers = [
    prunes.filter((c) => !isCRD(c.desired) && !isNamespace(c.desired)),
    prunes.filter((c) => isCRD(c.desired)),
    prunes.filter((c) => isNamespace(c.desired)),
  ];
  for (const [i, tier] of tiers.entries()) {
    if (i === tiers.length - 1) await keepOccupied(tier, prunes, opts);
    if (opts.halt?.aborted) {
      for (const c of tier) Object.assign(c, { action: 'skipped', error: notDone(opts.halt, 'pruned') });
      continue;
    }
    const left = await eachUntilHalted(tier.filter((c) => c.action === 'pruned'), opts.concurrency ?? DEFAULT_CONCURRENCY, async (c) => {
      try {
        // The uid guard: never delete an object re-created by someone else since planning.
        await kube.delete(c.ref, { propagationPolicy: 'Background', uid: c.desired.metadata.uid, signal: opts.signal });
      } catch (err) {
        if (!isNotFound(err)) {
          c.action = 'failed';
          c.error = errorMessage(err);
          errors.push({ subject: c.subject, message: `${c.subject} prune failed: ${c.error}`, fatal: true, cause: err });
        }
      }
      opts.onChange?.(c);
    }, opts.halt);
    for (const c of left) Object.assign(c, { action: 'skipped', error: notDone(opts.halt!, 'pruned') });
  }
}

/**
 * Namespaces stay when a prune inside them did not happen (failed, skipped),
 * or when objects arrived since planning: deleting the Namespace would take
 * them along. They stay in the inventory for a later run.
 */
async function keepOccupied(namespaces: PlannedChange[], prunes: PlannedChange[], opts: PruneOptions): Promise<void> {
  const pruned = prunes.filter((c) => c.action === 'pruned' && !isNamespace(c.desired)).map((c) => c.desired);
  for (const c of namespaces) {
    if (opts.halt?.aborted) return;
    const name = c.ref.name;
    const stuck = prunes.find((p) => p.ref.namespace === name && p.action !== 'pruned');
    const why = stuck ? `not pruned: ${stuck.subject} in it was not pruned` : await opts.recheck?.(c.desired, pruned);
    if (why) Object.assign(c, { action: 'skipped', error: why });
  }
}
