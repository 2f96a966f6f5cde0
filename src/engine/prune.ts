// Pruning: deleting the app's objects that left its manifests. Only entries the
// plan made from the inventory arrive here, so nothing outside it is touched.
// Dependents go before what they live in: ordinary objects, then CRDs (their
// custom resources are gone by then), then Namespaces.
import type { Kube } from '../kube/types.js';
import { isNotFound } from '../kube/errors.js';
import { errorMessage } from './errors.js';
import { DEFAULT_CONCURRENCY, mapLimit } from './pool.js';
import { isCRD, isNamespace } from './plan.js';
import type { EngineError, PlannedChange } from './types.js';

export interface PruneOptions {
  concurrency?: number;
  signal?: AbortSignal;
  onChange?: (c: PlannedChange) => void;
}

export async function prune(kube: Kube, prunes: PlannedChange[], opts: PruneOptions, errors: EngineError[]): Promise<void> {
  const tiers = [
    prunes.filter((c) => !isCRD(c.desired) && !isNamespace(c.desired)),
    prunes.filter((c) => isCRD(c.desired)),
    prunes.filter((c) => isNamespace(c.desired)),
  ];
  for (const tier of tiers) {
    await mapLimit(tier, opts.concurrency ?? DEFAULT_CONCURRENCY, async (c) => {
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
    });
  }
}
