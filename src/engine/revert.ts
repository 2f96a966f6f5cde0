// Putting back what a deploy replaced, for --rollback-on-failure: objects it
// configured or pruned get their previous state again, objects it created are
// deleted. The previous state is applied whole and forced, so the values are
// exactly what they were, whoever had owned them since.
import type { Kube, KubeObject } from '../kube/types.js';
import { isNotFound } from '../kube/errors.js';
import { errorMessage } from './errors.js';
import type { Change } from './changeset.js';
import { DEFAULT_FIELD_MANAGER } from './plan.js';
import type { ChangedWorkload, EngineError } from './types.js';

export interface RevertResult {
  /** Workloads whose previous state was applied again: wait for these. */
  workloads: ChangedWorkload[];
  errors: EngineError[];
}

/** Server-set fields a configuration must not carry. */
export function restorable(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  for (const f of ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'deletionTimestamp', 'selfLink'] as const) {
    delete copy.metadata[f];
  }
  delete copy.status;
  return copy;
}

export async function revert(kube: Kube, changes: Change[], opts: { fieldManager?: string; signal?: AbortSignal } = {}): Promise<RevertResult> {
  const out: RevertResult = { workloads: [], errors: [] };
  // Reverse order: what went in last comes out first.
  for (const c of [...changes].reverse()) {
    try {
      if (c.action === 'created') {
        await kube.delete(c.ref, { signal: opts.signal }).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
      } else if ((c.action === 'configured' || c.action === 'pruned') && c.before) {
        const after = await kube.apply(restorable(c.before), { force: true, fieldManager: opts.fieldManager ?? DEFAULT_FIELD_MANAGER, signal: opts.signal });
        const generation = after.metadata.generation;
        if (typeof generation === 'number') out.workloads.push({ ref: c.ref, subject: c.subject, generation, uid: after.metadata.uid, action: 'configured' });
      }
    } catch (err) {
      out.errors.push({ subject: c.subject, message: `${c.subject} rollback failed: ${errorMessage(err)}`, fatal: true, cause: err });
    }
  }
  return out;
}
