// Carrying out a plan, in stages: Namespaces and CRDs first (then wait until
// the CRDs are Established and plan again what depended on them), then
// everything else in parallel. Only objects the plan found changed are
// applied. A failure on one object does not stop the others of its stage; a
// failed first stage skips the second. A halt (SIGINT, SIGTERM) starts no
// further write: what is in flight finishes, the rest is reported skipped.
import type { Kube, KubeObject } from '../kube/types.js';
import { isConflict } from '../kube/errors.js';
import { errorMessage } from './errors.js';
import { refOf, subjectOf } from './changeset.js';
import { sameObject } from './normalize.js';
import { DEFAULT_CONCURRENCY, eachUntilHalted } from './pool.js';
import { notDone } from './halt.js';
import { writeObject } from './write.js';
import { crdSpec, definedKind, isCRD, isClusterStage, kindOf } from './kinds.js';
import { waitEstablished } from './crds.js';
import type { EngineError, PlannedChange, WriteVerb } from './types.js';

export interface ExecuteOptions {
  write?: WriteVerb;
  fieldManager?: string;
  forceConflicts?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  /** Wait for every CRD applied to be Established, not only those whose objects follow (--wait). */
  wait?: boolean;
  /** Once it fires, no further object is applied (see DeployOptions.halt). */
  halt?: AbortSignal;
  onChange?: (c: PlannedChange) => void;
  /** Runs between the stages (when the namespace of the inventory exists); false stops the deploy there. */
  betweenStages?: () => Promise<boolean>;
}

const needsApply = (c: PlannedChange): boolean => c.action === 'created' || c.action === 'configured';

/** Applies the changed entries of a plan in place (their action, after and error are updated). */
export async function applyStaged(kube: Kube, changes: PlannedChange[], opts: ExecuteOptions, errors: EngineError[]): Promise<void> {
  const clusterStage = changes.filter((c) => isClusterStage(c.desired) && needsApply(c));
  const rest = changes.filter((c) => !isClusterStage(c.desired) && (needsApply(c) || c.deferred));
  const skipRest = (why: string): void => {
    for (const c of rest) if (needsApply(c)) Object.assign(c, { action: 'skipped', error: why });
  };

  if (await applyAll(kube, clusterStage, opts, errors)) return skipRest('not applied: a Namespace or CRD failed first');
  // A CRD is waited for when objects of its kind follow, or when the command waits for everything it changed.
  const following = new Set(rest.map((c) => kindOf(c.desired)));
  const crds = clusterStage.filter((c) => isCRD(c.desired) && c.action !== 'skipped' && (opts.wait || following.has(definedKind(c.desired))));
  if (crds.length > 0 && !opts.halt?.aborted) {
    try {
      await waitEstablished(kube, crds.map((c) => c.desired.metadata.name!), opts.signal);
    } catch (err) {
      errors.push({ message: errorMessage(err), fatal: true, cause: err });
      return skipRest('not applied: CRDs did not become Established');
    }
    for (const c of crds) for (const v of crdVersions(c.desired)) kube.invalidate(v);
  }

  // Even when halted: the first stage may have created Namespaces or CRDs, which must be in the inventory.
  if (opts.betweenStages && !(await opts.betweenStages())) return skipRest('not applied: the inventory could not be recorded');
  if (opts.halt?.aborted) return skipRest(notDone(opts.halt));

  const deferred = rest.filter((c) => c.deferred);
  if (deferred.length > 0) {
    await eachUntilHalted(deferred, opts.concurrency ?? DEFAULT_CONCURRENCY, (c) => replan(kube, c, opts, errors), opts.halt);
    if (errors.some((e) => e.fatal)) return skipRest('not applied: planning failed');
    if (opts.halt?.aborted) return skipRest(notDone(opts.halt));
  }
  await applyAll(kube, rest.filter(needsApply), opts, errors);
}

/** Applies entries in parallel, until halted; true when any failed. */
async function applyAll(kube: Kube, changes: PlannedChange[], opts: ExecuteOptions, errors: EngineError[]): Promise<boolean> {
  let failed = false;
  const notStarted = await eachUntilHalted(changes, opts.concurrency ?? DEFAULT_CONCURRENCY, async (c) => {
    try {
      c.after = await writeObject(kube, c.desired, { write: opts.write, force: opts.forceConflicts, fieldManager: opts.fieldManager, signal: opts.signal });
    } catch (err) {
      failed = true;
      c.action = 'failed';
      c.error = errorMessage(err);
      errors.push({ subject: c.subject, message: `${c.subject} ${opts.write ?? 'apply'} failed: ${c.error}`, fatal: !isConflict(err) || opts.write === 'update', cause: err });
    }
    opts.onChange?.(c);
  }, opts.halt);
  // Only a halt leaves entries unstarted.
  for (const c of notStarted) Object.assign(c, { action: 'skipped', error: notDone(opts.halt!) });
  return failed;
}

/** Plans an entry whose CRD or namespace did not exist at planning time, now that it does. */
async function replan(kube: Kube, c: PlannedChange, opts: ExecuteOptions, errors: EngineError[]): Promise<void> {
  try {
    const mapping = await kube.resolve(c.desired.apiVersion, c.desired.kind, opts.signal);
    if (!mapping.namespaced) delete c.desired.metadata.namespace;
    c.ref = refOf(c.desired);
    c.subject = subjectOf(c.ref);
    const live = await kube.find(c.ref, { signal: opts.signal });
    const after = await writeObject(kube, c.desired, { write: opts.write, dryRun: true, force: opts.forceConflicts, fieldManager: opts.fieldManager, signal: opts.signal });
    c.before = live;
    c.after = after;
    c.action = !live ? 'created' : sameObject(live, after) ? 'unchanged' : 'configured';
  } catch (err) {
    c.action = 'failed';
    c.error = errorMessage(err);
    errors.push({ subject: c.subject, message: `${c.subject} ${opts.write ?? 'apply'} failed: ${c.error}`, fatal: !isConflict(err) || opts.write === 'update', cause: err });
  }
  delete c.deferred;
}

/** `group/version` of every version a CRD serves. */
function crdVersions(crd: KubeObject): string[] {
  const spec = crdSpec(crd);
  return (spec.versions ?? []).map((v) => `${spec.group}/${v.name}`);
}
