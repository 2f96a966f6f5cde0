// Whether an app's objects are healthy, read from the cluster and never
// written: one verdict per object of its inventory. Workloads are judged by
// the rollout checks (kubectl rollout status's rules), and one whose rollout is
// not done is looked at more closely: a Pod of its current revision that
// cannot pull its image or keeps crashing makes it Degraded at once, with the
// Pod's reason. Other kinds follow kstatus' generic rules: a spec not yet
// observed, a Stalled, Failed or Reconciling condition, Ready or Available
// False, plus a few built-in kinds whose status says it otherwise (Pods,
// claims, CRDs, load balancers).
import type { Kube, KubeObject, ObjectRef, ResourceMapping } from '../kube/types.js';
import { isForbidden, isNotFound, isUnauthorized } from '../kube/errors.js';
import { check, isWatchedKind, type Condition, type Workload } from '../rollout/checks/index.js';
import { podProblems, type ContainerProblem } from '../rollout/failures.js';
import { newRevisionPods } from '../rollout/revision.js';
import { selectorString, type LabelSelector } from '../rollout/selector.js';
import { groupOf, keyOf, kubectlName, subjectOf } from './changeset.js';
import { errorMessage } from './errors.js';
import { fetchLive } from './live.js';
import { DEFAULT_CONCURRENCY, mapLimit } from './pool.js';

/** Best first: an app is as healthy as its worst object. */
export const HEALTH_ORDER = ['Healthy', 'Progressing', 'Unknown', 'Missing', 'Degraded'] as const;
export type Health = (typeof HEALTH_ORDER)[number];

export interface Verdict {
  health: Health;
  /** One line: why it is not Healthy. */
  reason?: string;
}

export interface ObjectHealth extends Verdict {
  ref: ObjectRef;
  /** `Kind/namespace/name`. */
  subject: string;
}

/** What a workload's verdict may also read: the Pods it selects and what tells their revisions apart. */
export interface Related {
  pods: KubeObject[];
  replicaSets?: KubeObject[];
  controllerRevisions?: KubeObject[];
}

/**
 * The health of one object as the cluster has it (undefined: it is gone).
 * `related` is read by the caller for a workload whose own status says its
 * rollout is not done (see needsRelated); without it such a workload is
 * Progressing, with it a failing Pod makes it Degraded.
 */
export function objectHealth(obj: KubeObject | undefined, related?: Related): Verdict {
  if (obj === undefined) return { health: 'Missing', reason: 'not found' };
  if (obj.metadata.deletionTimestamp) return { health: 'Progressing', reason: 'being deleted' };
  if (isWorkload(obj)) return workloadHealth(obj, related);
  switch (`${groupOf(obj.apiVersion)}/${obj.kind}`) {
    case '/Pod':
      return podHealth(obj);
    case '/PersistentVolumeClaim':
      return claimHealth(obj);
    case '/Service':
      return serviceHealth(obj);
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      return crdHealth(obj);
  }
  return genericHealth(obj);
}

/** Whether objectHealth would say more about this object with its Pods. */
export function needsRelated(obj: KubeObject | undefined): obj is KubeObject {
  return obj !== undefined && !obj.metadata.deletionTimestamp && isWorkload(obj) && !check(obj as Workload).done;
}

function isWorkload(obj: KubeObject): boolean {
  const group = groupOf(obj.apiVersion);
  return isWatchedKind(obj.kind) && (group === 'apps' || (group === 'batch' && obj.kind === 'Job'));
}

function workloadHealth(obj: KubeObject, related: Related | undefined): Verdict {
  const generic = generationVerdict(obj);
  if (generic) return generic;
  const result = check(obj as Workload);
  if (result.done) return { health: 'Healthy' };
  const problem = related ? newRevisionPods(obj, related.pods, related).flatMap(podProblems)[0] : undefined;
  if (result.failed) return { health: 'Degraded', reason: problem ? `${result.message}: ${problemLine(problem)}` : result.message };
  if (problem) return { health: 'Degraded', reason: problemLine(problem) };
  return { health: 'Progressing', reason: result.message };
}

/** `pod web-5d9c-x2x: ImagePullBackOff: Back-off pulling image "..."`, as the rollout watcher words it. */
function problemLine(p: ContainerProblem): string {
  return `pod ${p.pod}: ${p.reason}: ${p.message || p.image}`;
}

function podHealth(pod: KubeObject): Verdict {
  const status = (pod.status ?? {}) as { phase?: string; reason?: string; message?: string };
  if (status.phase === 'Succeeded') return { health: 'Healthy' };
  if (status.phase === 'Failed') return { health: 'Degraded', reason: line('failed', status.reason, status.message) };
  const problem = podProblems(pod)[0];
  if (problem) return { health: 'Degraded', reason: `${problem.reason}: ${problem.message || problem.image}` };
  if (status.phase === 'Running' && conditionOf(pod, 'Ready')?.status === 'True') return { health: 'Healthy' };
  return { health: 'Progressing', reason: status.phase === 'Running' ? 'running, not ready' : `phase ${status.phase ?? 'unknown'}` };
}

function claimHealth(pvc: KubeObject): Verdict {
  const phase = (pvc.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Bound') return { health: 'Healthy' };
  if (phase === 'Lost') return { health: 'Degraded', reason: 'claim lost its volume' };
  return { health: 'Progressing', reason: `not bound: phase ${phase ?? 'unknown'}` };
}

function serviceHealth(svc: KubeObject): Verdict {
  const type = (svc.spec as { type?: string } | undefined)?.type;
  const ingress = (svc.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress;
  if (type === 'LoadBalancer' && !(Array.isArray(ingress) && ingress.length > 0)) return { health: 'Progressing', reason: 'waiting for a load balancer address' };
  return { health: 'Healthy' };
}

function crdHealth(crd: KubeObject): Verdict {
  const names = conditionOf(crd, 'NamesAccepted');
  if (names?.status === 'False') return { health: 'Degraded', reason: conditionLine(names) };
  if (conditionOf(crd, 'Established')?.status === 'True') return { health: 'Healthy' };
  return { health: 'Progressing', reason: 'not established yet' };
}

/** kstatus' rules for any kind: the spec observed, then the conditions controllers agree on. */
function genericHealth(obj: KubeObject): Verdict {
  const generic = generationVerdict(obj);
  if (generic) return generic;
  const conditions = conditionsOf(obj);
  const failed = conditions.find((c) => (c.type === 'Stalled' || c.type === 'Failed') && c.status === 'True');
  if (failed) return { health: 'Degraded', reason: conditionLine(failed) };
  const busy = conditions.find((c) => c.type === 'Reconciling' && c.status === 'True');
  if (busy) return { health: 'Progressing', reason: conditionLine(busy) };
  const notReady = conditions.find((c) => (c.type === 'Ready' || c.type === 'Available') && c.status === 'False');
  if (notReady) return { health: 'Progressing', reason: conditionLine(notReady) };
  return { health: 'Healthy' };
}

/** The controller has not seen the current spec yet (only for objects whose status says which one it saw). */
function generationVerdict(obj: KubeObject): Verdict | undefined {
  const generation = obj.metadata.generation;
  const observed = (obj.status as { observedGeneration?: unknown } | undefined)?.observedGeneration;
  if (typeof generation !== 'number' || typeof observed !== 'number' || observed >= generation) return undefined;
  return { health: 'Progressing', reason: `generation ${generation} not observed yet (status is of generation ${observed})` };
}

function conditionsOf(obj: KubeObject): Condition[] {
  const c = (obj.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(c) ? (c as Condition[]).filter((x) => x && typeof x.type === 'string') : [];
}

function conditionOf(obj: KubeObject, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

function conditionLine(c: Condition): string {
  return line(`${c.type}=${c.status}`, c.reason, c.message);
}

function line(...parts: (string | undefined)[]): string {
  return parts.filter((p) => p !== undefined && p !== '').join(': ');
}

/** The worst of several verdicts; the first object with it gives the reason. */
export function worstOf(objects: ObjectHealth[]): Verdict {
  let worst: ObjectHealth | undefined;
  for (const o of objects) if (!worst || HEALTH_ORDER.indexOf(o.health) > HEALTH_ORDER.indexOf(worst.health)) worst = o;
  if (!worst || worst.health === 'Healthy') return { health: 'Healthy' };
  return { health: worst.health, reason: `${kubectlName(worst.ref)}: ${worst.reason ?? worst.health}` };
}

export interface HealthOptions {
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * Reads the objects (by the version their kind is served in now, since the
 * one they were recorded with may be gone) and judges each. An object that
 * cannot be read is Unknown, with why; the others are judged all the same.
 */
export async function readHealth(kube: Kube, refs: ObjectRef[], opts: HealthOptions = {}): Promise<ObjectHealth[]> {
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const verdicts = new Map<string, Verdict>();
  const served: Array<{ ref: ObjectRef; mapping: ResourceMapping }> = [];
  await mapLimit(refs, concurrency, async (ref) => {
    try {
      const mapping = await kube.resolveKind(groupOf(ref.apiVersion), ref.kind, opts.signal);
      served.push({ ref: { ...ref, apiVersion: mapping.group ? `${mapping.group}/${mapping.version}` : mapping.version }, mapping });
    } catch (err) {
      if (isUnauthorized(err) || opts.signal?.aborted) throw err;
      verdicts.set(keyOf(ref), isNotFound(err) ? { health: 'Missing', reason: `the cluster no longer serves ${ref.kind} (${ref.apiVersion})` } : unreadable(err));
    }
  });
  const live = await readLive(kube, served, verdicts, opts);
  await mapLimit(served, concurrency, async ({ ref }) => {
    const key = keyOf(ref);
    if (verdicts.has(key)) return;
    const obj = live.get(key);
    let related: Related | undefined;
    if (needsRelated(obj)) {
      try {
        related = await readRelated(kube, obj, opts.signal);
      } catch (err) {
        // Without its Pods a workload is still judged, by its own status.
        if (isUnauthorized(err) || opts.signal?.aborted) throw err;
      }
    }
    verdicts.set(key, objectHealth(obj, related));
  });
  return refs.map((ref) => ({ ref, subject: subjectOf(ref), ...verdicts.get(keyOf(ref))! }));
}

/** The live objects; when reading them together fails (a refused list, say), one by one, so each gets its own verdict. */
async function readLive(
  kube: Kube,
  served: Array<{ ref: ObjectRef; mapping: ResourceMapping }>,
  verdicts: Map<string, Verdict>,
  opts: HealthOptions,
): Promise<Map<string, KubeObject>> {
  const stub = ({ ref, mapping }: { ref: ObjectRef; mapping: ResourceMapping }) => ({
    desired: { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(mapping.namespaced && ref.namespace ? { namespace: ref.namespace } : {}) } },
    mapping,
  });
  try {
    return await fetchLive(kube, served.map(stub), opts);
  } catch (err) {
    if (isUnauthorized(err) || opts.signal?.aborted) throw err;
  }
  const live = new Map<string, KubeObject>();
  await mapLimit(served, opts.concurrency ?? DEFAULT_CONCURRENCY, async ({ ref }) => {
    try {
      const found = await kube.find(ref, { signal: opts.signal });
      if (found) live.set(keyOf(ref), found);
    } catch (err) {
      if (isUnauthorized(err) || opts.signal?.aborted) throw err;
      verdicts.set(keyOf(ref), unreadable(err));
    }
  });
  return live;
}

function unreadable(err: unknown): Verdict {
  return { health: 'Unknown', reason: `${isForbidden(err) ? 'not allowed to read it' : 'cannot read it'}: ${errorMessage(err)}` };
}

/** The Pods a workload selects, and its ReplicaSets or ControllerRevisions: which of the Pods run its current template. */
async function readRelated(kube: Kube, obj: KubeObject, signal?: AbortSignal): Promise<Related> {
  const namespace = obj.metadata.namespace;
  const labelSelector = selectorString((obj.spec as { selector?: LabelSelector } | undefined)?.selector);
  const list = async (apiVersion: string, kind: string) => (await kube.list({ apiVersion, kind }, namespace, { labelSelector, signal })).items.map((o) => ({ ...o, apiVersion, kind }));
  const [pods, replicaSets, controllerRevisions] = await Promise.all([
    list('v1', 'Pod'),
    obj.kind === 'Deployment' ? list('apps/v1', 'ReplicaSet') : undefined,
    obj.kind === 'DaemonSet' ? list('apps/v1', 'ControllerRevision') : undefined,
  ]);
  return { pods, ...(replicaSets ? { replicaSets } : {}), ...(controllerRevisions ? { controllerRevisions } : {}) };
}
