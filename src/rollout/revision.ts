// Which Pods belong to the revision a rollout is bringing in. Only those can
// fail it: an old Pod in CrashLoopBackOff is the reason for a release, not a
// reason to stop one.
import type { KubeObject } from '../kube/types.js';
import { isDeepStrictEqual } from 'node:util';
import { observed, type Workload } from './checks/types.js';

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

/**
 * The ReplicaSet of a Deployment's current template. The revision annotation
 * names it only once the controller has seen the current spec: before that,
 * or while our copy of the Deployment lags behind, it names the previous one.
 */
export function newReplicaSet(dep: KubeObject, replicaSets: KubeObject[]): KubeObject | undefined {
  const owned = replicaSets.filter(ownedBy(dep));
  const revision = observed(dep as Workload) ? dep.metadata.annotations?.[REVISION_ANNOTATION] : undefined;
  const byRevision = revision ? owned.find((rs) => rs.metadata.annotations?.[REVISION_ANNOTATION] === revision) : undefined;
  if (byRevision) return byRevision;
  // The controller's own rule: the ReplicaSet whose template is the Deployment's, pod-template-hash aside.
  const template = podTemplate(dep);
  if (template === undefined) return undefined;
  return owned.find((rs) => isDeepStrictEqual(withoutHashLabel(podTemplate(rs)), withoutHashLabel(template)));
}

function podTemplate(obj: KubeObject): unknown {
  return (obj.spec as { template?: unknown } | undefined)?.template;
}

function withoutHashLabel(template: unknown): unknown {
  const t = template as { metadata?: { labels?: Record<string, string> } } | undefined;
  if (!t?.metadata?.labels || !(POD_TEMPLATE_HASH_LABEL in t.metadata.labels)) return template;
  const labels = { ...t.metadata.labels };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  return { ...t, metadata: { ...t.metadata, labels } };
}

/**
 * The controller-revision-hash of the ControllerRevision that records a
 * DaemonSet's current template. Matched by template, not by being the newest
 * known: the newest we know of may be the previous one while the watch on
 * ControllerRevisions is down, and its Pods are not the ones rolling out.
 */
export function daemonSetUpdateHash(ds: KubeObject, revisions: KubeObject[]): string | undefined {
  const template = podTemplate(ds);
  if (template === undefined) return undefined;
  const current = revisions.filter(ownedBy(ds)).find((rev) => isDeepStrictEqual(recordedTemplate(rev), template));
  if (!current) return undefined;
  return current.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? current.metadata.name?.slice((ds.metadata.name ?? '').length + 1);
}

/** A ControllerRevision holds its template as the patch that restores it: `{spec: {template: {..., $patch: replace}}}`. */
function recordedTemplate(rev: KubeObject): unknown {
  const template = (rev as { data?: { spec?: { template?: Record<string, unknown> } } }).data?.spec?.template;
  if (!template) return undefined;
  const { $patch: _, ...rest } = template;
  return rest;
}

/** The workload's Pods that run its current template. */
export function newRevisionPods(workload: KubeObject, pods: KubeObject[], sources: RevisionSources): KubeObject[] {
  switch (workload.kind) {
    case 'Deployment': {
      const rs = newReplicaSet(workload, sources.replicaSets ?? []);
      return rs ? pods.filter(ownedBy(rs)) : [];
    }
    case 'StatefulSet': {
      // updateRevision is the previous revision until the controller has seen the current spec.
      const hash = observed(workload as Workload) ? (workload.status as { updateRevision?: string } | undefined)?.updateRevision : undefined;
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
