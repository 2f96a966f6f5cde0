// Putting back what a deploy replaced, for --rollback-on-failure: objects it
// configured or pruned get their previous state again, objects it created are
// deleted. The write is the deploy's own kind of write:
// - an app's manifests: the previous state is applied whole and forced, so the
//   values are exactly what they were, whoever had owned them since;
// - an edit applied under a field manager (set-image): the same fields it
//   applied, with the values they had before, so that nothing else changes hands;
// - an edit saved as an update (edit): the previous state, as an update of the
//   object as it is now.
import type { Kube, KubeObject } from '../kube/types.js';
import { isNotFound } from '../kube/errors.js';
import { errorMessage } from './errors.js';
import type { Change } from './changeset.js';
import { extractOwned } from './extract.js';
import { DEFAULT_FIELD_MANAGER, writeObject } from './write.js';
import type { ChangedWorkload, DeployKind, EngineError, WriteVerb } from './types.js';

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

export interface RevertOptions {
  /** What the deploy wrote, and how: as in DeployOptions. */
  kind?: DeployKind;
  write?: WriteVerb;
  fieldManager?: string;
  signal?: AbortSignal;
}

/** The write that gives an object its state before `c` again. */
async function restore(kube: Kube, c: Change & { before: KubeObject }, opts: RevertOptions): Promise<KubeObject> {
  const fieldManager = opts.fieldManager ?? DEFAULT_FIELD_MANAGER;
  const common = { fieldManager, signal: opts.signal };
  if (opts.kind !== 'edits') return writeObject(kube, restorable(c.before), { ...common, force: true });
  if (opts.write === 'update') {
    const current = await kube.get(c.ref, { signal: opts.signal });
    const previous = restorable(c.before);
    previous.metadata.resourceVersion = current.metadata.resourceVersion;
    return writeObject(kube, previous, { ...common, write: 'update' });
  }
  return writeObject(kube, extractOwned(c.before, fieldManager, c.after ?? c.before), { ...common, force: true });
}

export async function revert(kube: Kube, changes: Change[], opts: RevertOptions = {}): Promise<RevertResult> {
  const out: RevertResult = { workloads: [], errors: [] };
  // Reverse order: what went in last comes out first.
  for (const c of [...changes].reverse()) {
    try {
      if (c.action === 'created') {
        await kube.delete(c.ref, { signal: opts.signal }).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
      } else if ((c.action === 'configured' || c.action === 'pruned') && c.before) {
        const after = await restore(kube, { ...c, before: c.before }, opts);
        const generation = after.metadata.generation;
        if (typeof generation === 'number') out.workloads.push({ ref: c.ref, subject: c.subject, generation, uid: after.metadata.uid, action: 'configured' });
      }
    } catch (err) {
      out.errors.push({ subject: c.subject, message: `${c.subject} rollback failed: ${errorMessage(err)}`, fatal: true, cause: err });
    }
  }
  return out;
}
