// Pruning: deleting the app's objects that left its manifests. Only entries the
// plan made from the inventory arrive here, so nothing outside it is touched.
// Dependents go before what they live in: ordinary objects, then CRDs (their
// custom resources are gone by then), then Namespaces. A halt (SIGINT,
// SIGTERM) lets deletes in flight finish and starts no other: the objects left
// stay in the inventory for the next run.
import type { Kube } from '../kube/types.js';
import { isNotFound } from '../kube/errors.js';
import { errorMessage } from './errors.js';
import { DEFAULT_CONCURRENCY, eachUntilHalted } from './pool.js';
import { notDone } from './halt.js';
import { isCRD, isNamespace } from './plan.js';
import type { EngineError, PlannedChange } from './types.js';

export interface PruneOptions {
  concurrency?: number;
  signal?: AbortSignal;
  /** Once aborted, no new delete starts. */
  halt?: AbortSignal;
  onChange?: (c: PlannedChange) => void;
}

export async function prune(kube: Kube, prunes: PlannedChange[], opts: PruneOptions, errors: EngineError[]): Promise<void> {
  const tiers = [
    prunes.filter((c) => !isCRD(c.desired) && !isNamespace(c.desired)),
    prunes.filter((c) => isCRD(c.desired)),
    prunes.filter((c) => isNamespace(c.desired)),
  ];
  for (const tier of tiers) {
    if (opts.halt?.aborted) {
      for (const c of tier) Object.assign(c, { action: 'skipped', error: notDone(opts.halt, 'pruned') });
      continue;
    }
    const left = await eachUntilHalted(tier, opts.concurrency ?? DEFAULT_CONCURRENCY, async (c) => {
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
