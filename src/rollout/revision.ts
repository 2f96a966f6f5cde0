// Which Pods belong to the revision a rollout is bringing in. Only those can
// fail it: an old Pod in CrashLoopBackOff is the reason for a release, not a
// reason to stop one.
import type { KubeObject } from '../kube/types.js';
import { isDeepStrictEqual } from 'node:util';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** The objects that tell revisions apart: a Deployment's ReplicaSets, a DaemonSet's ControllerRevisions. */
export interface RevisionSources {
  replicaSets?: KubeObject[];
  controllerRevisions?: KubeObject[];
}

export function controllerUid(obj: KubeObject): string | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.controller)?.uid;
}

function ownedBy(owner: KubeObject): (obj: KubeObject) => boolean {
  const uid = owner.metadata.uid;
  return (obj) => uid !== undefined && controllerUid(obj) === uid;
}

/** The ReplicaSet of a Deployment's current template, as the deployment controller marks it. */
export function newReplicaSet(dep: KubeObject, replicaSets: KubeObject[]): KubeObject | undefined {
  const owned = replicaSets.filter(ownedBy(dep));
  const revision = dep.metadata.annotations?.[REVISION_ANNOTATION];
  const byRevision = revision ? owned.find((rs) => rs.metadata.annotations?.[REVISION_ANNOTATION] === revision) : undefined;
  if (byRevision) return byRevision;
  // Before the controller annotates, the template itself identifies the ReplicaSet.
  const template = withoutHashLabel((dep.spec as { template?: unknown } | undefined)?.template);
  return owned.find((rs) => isDeepStrictEqual(withoutHashLabel((rs.spec as { template?: unknown } | undefined)?.template), template));
}

function withoutHashLabel(template: unknown): unknown {
  const t = template as { metadata?: { labels?: Record<string, string> } } | undefined;
  if (!t?.metadata?.labels || !(POD_TEMPLATE_HASH_LABEL in t.metadata.labels)) return template;
  const labels = { ...t.metadata.labels };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  return { ...t, metadata: { ...t.metadata, labels } };
}

/** The controller-revision-hash of a DaemonSet's newest ControllerRevision. */
export function daemonSetUpdateHash(ds: KubeObject, revisions: KubeObject[]): string | undefined {
  const newest = revisions
    .filter(ownedBy(ds))
    .sort((a, b) => Number(a.revision ?? 0) - Number(b.revision ?? 0))
    .at(-1);
  if (!newest) return undefined;
  return newest.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? newest.metadata.name?.slice((ds.metadata.name ?? '').length + 1);
}

/** The workload's Pods that run its current template. */
export function newRevisionPods(workload: KubeObject, pods: KubeObject[], sources: RevisionSources): KubeObject[] {
  switch (workload.kind) {
    case 'Deployment': {
      const rs = newReplicaSet(workload, sources.replicaSets ?? []);
      return rs ? pods.filter(ownedBy(rs)) : [];
    }
    case 'StatefulSet': {
      const hash = (workload.status as { updateRevision?: string } | undefined)?.updateRevision;
      return hash ? pods.filter(ownedBy(workload)).filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) : [];
    }
    case 'DaemonSet': {
      const hash = daemonSetUpdateHash(workload, sources.controllerRevisions ?? []);
      return hash ? pods.filter(ownedBy(workload)).filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) : [];
    }
    case 'Job':
      return pods.filter(ownedBy(workload));
    default:
      return [];
  }
}
