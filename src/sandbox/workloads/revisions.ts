// ControllerRevisions: the template history of StatefulSets and DaemonSets,
// stored as the patch `kubectl rollout undo` applies to go back
// (pkg/controller/history).
import type { KubeObject } from '../types.js';
import { computeHash } from './hash.js';
import { CONTROLLER_MANAGER, controllerRefTo, isTerminating, sameJson, type LabelSelector, type PodTemplateSpec } from './objects.js';
import type { Runtime } from './runtime.js';

export type ControllerRevision = KubeObject & { data: { spec: { template: PodTemplateSpec & { $patch?: string } } }; revision: number };

export const HASH_LABEL = 'controller.kubernetes.io/hash';

function revisionData(template: PodTemplateSpec): ControllerRevision['data'] {
  return { spec: { template: { ...structuredClone(template), $patch: 'replace' } } };
}

/** The Pod template a revision records. */
export function templateOf(rev: ControllerRevision): PodTemplateSpec {
  const { $patch: _, ...template } = rev.data.spec.template;
  return template;
}

export function revisionsOf(rt: Runtime, owner: KubeObject): ControllerRevision[] {
  return (rt.cache.list('apps', 'ControllerRevision', owner.metadata.namespace) as ControllerRevision[])
    .filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.uid === owner.metadata.uid))
    .sort((a, b) => a.revision - b.revision);
}

/**
 * The revision for the owner's current template: an equal earlier one is
 * reused and renumbered as the newest (a rollback), otherwise a new one is
 * created one above the highest.
 */
export function ensureRevision(rt: Runtime, owner: KubeObject, template: PodTemplateSpec, selector: LabelSelector, collisionCount = 0): { update: ControllerRevision; hash: string; all: ControllerRevision[] } {
  const res = rt.res('apps', 'ControllerRevision');
  let all = revisionsOf(rt, owner);
  const data = revisionData(template);
  const hash = computeHash(data, collisionCount);
  const max = all.reduce((m, r) => Math.max(m, r.revision), 0);
  const equal = all.find((r) => sameJson(r.data, data));
  if (equal) {
    if (equal.revision === max) return { update: equal, hash: equal.metadata.labels?.[HASH_LABEL] ?? hash, all };
    const bumped = rt.store.update(res, { ...equal, revision: max + 1 }, { fieldManager: CONTROLLER_MANAGER }) as ControllerRevision;
    all = all.map((r) => (r === equal ? bumped : r));
    return { update: bumped, hash: bumped.metadata.labels?.[HASH_LABEL] ?? hash, all };
  }
  const created = rt.store.create(
    res,
    {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata.name}-${hash}`,
        namespace: owner.metadata.namespace,
        labels: { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash },
        ownerReferences: [controllerRefTo(owner)],
      },
      data,
      revision: max + 1,
    },
    { fieldManager: CONTROLLER_MANAGER },
  ) as ControllerRevision;
  return { update: created, hash, all: [...all, created] };
}

/** Deletes the oldest revisions beyond the history limit, never one that is `live`. */
export function truncateHistory(rt: Runtime, revisions: ControllerRevision[], live: Set<string>, limit: number): void {
  const cleanable = revisions.filter((r) => !live.has(r.metadata.name!) && !isTerminating(r));
  const excess = cleanable.length - limit;
  for (const r of cleanable.slice(0, Math.max(0, excess))) {
    rt.store.delete(rt.res('apps', 'ControllerRevision'), r.metadata.namespace, r.metadata.name!);
  }
}
