// Whether an app's objects are healthy, read from the cluster and never
// written: one verdict per object of its inventory, by the same ladder a
// release waits with (rollout/checks check()). A workload whose rollout is not
// done is looked at more closely: a Pod of its current revision that cannot
// pull its image or keeps crashing makes it Degraded at once, with the Pod's
// reason.
import type { Kube, KubeObject, ObjectRef, ResourceMapping } from '../kube/types.js';
import { isForbidden, isNotFound, isUnauthorized } from '../kube/errors.js';
import { check, isWatchedKind, type Workload } from '../rollout/checks/index.js';
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
 * The health of one object as the cluster has it (undefined: it is gone), by
 * the release's own ladder (check(): generic rules, the kind's rules, then
 * the Ready condition), so that status and a release never disagree. What
 * check calls failed is Degraded, not done is Progressing. `related` is read
 * by the caller for a workload whose own status says its rollout is not done
 * (see needsRelated): a failing Pod of its current revision makes it Degraded.
 */
export function objectHealth(obj: KubeObject | undefined, related?: Related): Verdict {
  if (obj === undefined) return { health: 'Missing', reason: 'not found' };
  const result = check(obj as Workload);
  if (result.done) return { health: 'Healthy' };
  const problem = failingContainer(obj, related);
  if (result.failed) return { health: 'Degraded', reason: problem ? `${result.message}: ${problemLine(problem)}` : result.message };
  if (problem) return { health: 'Degraded', reason: problemLine(problem) };
  return { health: 'Progressing', reason: result.message.replace(/\.\.\.$/, '') };
}

/** Whether objectHealth would say more about this object with its Pods. */
export function needsRelated(obj: KubeObject | undefined): obj is KubeObject {
  return obj !== undefined && !obj.metadata.deletionTimestamp && isWorkload(obj) && !check(obj as Workload).done;
}

function isWorkload(obj: KubeObject): boolean {
  const group = groupOf(obj.apiVersion);
  return isWatchedKind(obj.kind) && (group === 'apps' || (group === 'batch' && obj.kind === 'Job'));
}

/** The first failing container of the object's current Pods: a workload's new revision, or a Pod itself. */
function failingContainer(obj: KubeObject, related: Related | undefined): ContainerProblem | undefined {
  if (isWorkload(obj)) return related ? newRevisionPods(obj, related.pods, related).flatMap(podProblems)[0] : undefined;
  return groupOf(obj.apiVersion) === '' && obj.kind === 'Pod' ? podProblems(obj)[0] : undefined;
}

/** `pod web-5d9c-x2x: ImagePullBackOff: Back-off pulling image "..."`, as the rollout watcher words it. */
function problemLine(p: ContainerProblem): string {
  return `pod ${p.pod}: ${p.reason}: ${p.message || p.image}`;
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
