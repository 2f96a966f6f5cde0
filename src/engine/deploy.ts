// The one entry point every command that changes the cluster goes through:
// plan everything, stop before the first write if any object is invalid,
// apply in stages, prune last, and keep the app's inventory so that no object
// it created can be lost track of, even if the run dies half-way or is halted.
import type { Kube, KubeObject, ObjectRef } from '../kube/types.js';
import { groupOf, keyOf, refOf } from './changeset.js';
import { readInventory, sameRefs, unionRefs, writeInventory, type Inventory } from './inventory.js';
import { plan } from './plan.js';
import { applyStaged } from './apply.js';
import { haltReason, notDone } from './halt.js';
import { prune } from './prune.js';
import { guardPrunes } from './prune-guard.js';
import { errorMessage } from './errors.js';
import type { ChangedWorkload, DeployOptions, DeployResult, EngineError, PlannedChange, WaitFor } from './types.js';

/** Kinds whose changes start a rollout: all a release waits for with --wait-for workloads. */
const WORKLOAD_KINDS = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet']);

export async function deploy(kube: Kube, opts: DeployOptions): Promise<DeployResult> {
  if (opts.kind === 'edits' && opts.prune) throw new Error('deploy: edits of live objects are never pruned');
  const planned = await plan(kube, { ...opts, checkPrunes: !opts.dryRun });
  opts.onEvent?.({ type: 'planned', plan: planned });
  const changes = planned.changeSet.changes;
  const errors = [...planned.errors];
  const result = (dryRun: boolean): DeployResult => ({
    changeSet: planned.changeSet,
    changedWorkloads: dryRun ? [] : changedWorkloads(changes, opts.waitFor ?? 'all'),
    errors,
    dryRun,
    ...(opts.halt?.aborted ? { interrupted: haltReason(opts.halt) } : {}),
  });
  if (errors.some((e) => e.fatal)) {
    for (const c of changes) if (c.action !== 'failed') Object.assign(c, { action: 'skipped', error: 'not applied: planning failed' });
    return result(true);
  }
  if (opts.dryRun) return result(true);
  if (opts.halt?.aborted) {
    for (const c of changes) {
      if (c.action === 'created' || c.action === 'configured') Object.assign(c, { action: 'skipped', error: notDone(opts.halt) });
      if (c.action === 'pruned') Object.assign(c, { action: 'skipped', error: notDone(opts.halt, 'pruned') });
    }
    // Not a dry run: a real deploy that was stopped before its first write, and says so object by object.
    return result(false);
  }

  const onChange = (c: PlannedChange): void => opts.onEvent?.({ type: 'change', change: c });
  if (opts.kind === 'edits') {
    // Edits of live objects: written as planned, and the app's inventory is not theirs to change.
    opts.onEvent?.({ type: 'stage', name: 'cluster' });
    await applyStaged(kube, changes, { ...opts, onChange }, errors);
    return result(false);
  }
  const applied = changes.filter((c) => c.action !== 'pruned');
  const prunes = changes.filter((c) => c.action === 'pruned');
  const previous = planned.inventory ?? (await readInventory(kube, opts.app, opts.namespace, opts.signal));
  const before = previous?.objects ?? [];
  const desired = applied.map((c) => c.ref);

  // Record new objects before creating them, so a run that dies half-way leaves
  // them in the inventory, never orphaned. Only Namespaces and CRDs go before
  // this: the inventory's own namespace may be one of them.
  const widened = unionRefs(before, desired);
  const betweenStages = async (): Promise<boolean> => {
    opts.onEvent?.({ type: 'stage', name: 'objects' });
    return sameRefs(widened, before) || (await save(kube, opts, widened, previous, errors));
  };
  const plannedKeys = new Map(applied.map((c) => [c, keyOf(c.ref)]));
  opts.onEvent?.({ type: 'stage', name: 'cluster' });
  await applyStaged(kube, applied, { ...opts, onChange, betweenStages }, errors);

  // An object whose CRD came with it is planned again once the CRD exists; if
  // its kind turns out cluster-scoped it loses the namespace it was assumed to
  // have. The inventory must hold it as it really is, or the next run would
  // take the old entry for an object that left the manifests and prune it.
  const moved = new Set(applied.filter((c) => keyOf(c.ref) !== plannedKeys.get(c)).map((c) => plannedKeys.get(c)!));
  const desiredNow = applied.map((c) => c.ref);
  let final: ObjectRef[] = unionRefs(widened.filter((r) => !moved.has(keyOf(r))), desiredNow);
  if (prunes.length > 0 || opts.prune) {
    if (errors.length > 0) {
      for (const c of prunes) Object.assign(c, { action: 'skipped', error: 'not pruned: applying failed' });
    } else if (opts.halt?.aborted) {
      // A halted deploy deletes nothing: the rerun prunes against the whole, applied manifests.
      for (const c of prunes) Object.assign(c, { action: 'skipped', error: notDone(opts.halt, 'pruned') });
    } else {
      opts.onEvent?.({ type: 'stage', name: 'prune' });
      const recheck = async (ns: KubeObject, pruned: KubeObject[]): Promise<string | undefined> => {
        const desired = applied.map((c) => c.desired);
        const guarded = await guardPrunes(kube, [ns], { desired, app: opts.app, home: opts.namespace, deleted: pruned, concurrency: opts.concurrency, signal: opts.signal });
        return guarded.retained[0]?.reason;
      };
      await prune(kube, prunes, { ...opts, onChange, recheck }, errors);
      // Whatever is still there (failed, or left when halted) stays in the inventory for the next run.
      const kept = new Set(prunes.filter((c) => c.action !== 'pruned').map((c) => keyOf(c.ref)));
      // So do the Namespaces and CRDs prune kept because others still live in them.
      const retained = planned.retained.map((r) => r.ref);
      final = unionRefs([...desiredNow, ...before.filter((r) => kept.has(keyOf(r)))], retained);
    }
  }

  const changed = changes.some((c) => c.action === 'created' || c.action === 'configured' || c.action === 'pruned');
  const revisionMoved = JSON.stringify(opts.revision ?? null) !== JSON.stringify(previous?.revision ?? null);
  if (changed || revisionMoved || !sameRefs(final, widened) || !previous) {
    await save(kube, opts, final, previous, errors, { revision: opts.revision, appliedAt: new Date().toISOString() });
  }
  return result(false);
}

async function save(
  kube: Kube,
  opts: DeployOptions,
  objects: ObjectRef[],
  previous: Inventory | undefined,
  errors: EngineError[],
  record?: Pick<Inventory, 'revision' | 'appliedAt'>,
): Promise<boolean> {
  const inv: Inventory = { app: opts.app, namespace: opts.namespace, objects, revision: previous?.revision, appliedAt: previous?.appliedAt };
  if (record) Object.assign(inv, record);
  try {
    await writeInventory(kube, inv, opts.signal);
    return true;
  } catch (err) {
    const subject = `ConfigMap/${opts.namespace}/gdeploy.${opts.app}`;
    errors.push({ subject, message: `${subject}: cannot record the inventory: ${errorMessage(err)}`, fatal: true, cause: err });
    return false;
  }
}

function changedWorkloads(changes: PlannedChange[], waitFor: WaitFor): ChangedWorkload[] {
  const out: ChangedWorkload[] = [];
  for (const c of changes) {
    if ((c.action !== 'created' && c.action !== 'configured') || !c.after) continue;
    if (waitFor === 'workloads' && !WORKLOAD_KINDS.has(`${groupOf(c.ref.apiVersion)}/${c.ref.kind}`)) continue;
    const generation = c.after.metadata.generation;
    out.push({
      ref: refOf(c.after),
      subject: c.subject,
      ...(typeof generation === 'number' ? { generation } : {}),
      uid: c.after.metadata.uid,
      action: c.action,
      object: c.after,
    });
  }
  return out;
}
