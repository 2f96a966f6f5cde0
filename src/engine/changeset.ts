// The result of planning or applying: one entry per object, with what happened
// to it. Engines return change sets; src/ui renders them. The JSON form
// (toJSON below) is the stable, documented output of `-o json|yaml`.
import type { KubeObject, ObjectRef } from '../kube/types.js';

/**
 * created | configured | unchanged | pruned: what apply did (or, in a plan or a
 * dry run, would do). skipped: not attempted because an earlier step failed.
 * failed: attempted and refused (the entry's `error` says why).
 */
export type Action = 'created' | 'configured' | 'unchanged' | 'pruned' | 'skipped' | 'failed';

export const ACTIONS: readonly Action[] = ['created', 'configured', 'unchanged', 'pruned', 'skipped', 'failed'];

export interface Change {
  ref: ObjectRef;
  /** `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
  subject: string;
  action: Action;
  /** The live object before the change, when it existed. */
  before?: KubeObject;
  /** The object after the change: the server's answer to the apply (or to the dry run in a plan). */
  after?: KubeObject;
  /** Why the object failed (failed) or was skipped (skipped). */
  error?: string;
  /** A pruned Namespace: the objects inside it that go with it (besides those pruned themselves). */
  cascade?: ObjectRef[];
}

export interface ChangeSet {
  changes: Change[];
  /**
   * What the user should know that is no object's change: a Namespace or CRD
   * prune keeps because others still live in it, an inventory entry dropped.
   */
  warnings?: string[];
}

export type Summary = Record<Action, number>;

import { subjectOf } from '../kube/refs.js';

export { subjectOf };

export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? '' };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Identity of an object regardless of API version (apps/v1 and apps/v1beta1 Deployment are one object). */
export function keyOf(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  return `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** kubectl's name for an object in result lines: `deployment.apps/web`, `configmap/cfg`. */
export function kubectlName(ref: { apiVersion: string; kind: string; name: string }): string {
  const group = groupOf(ref.apiVersion);
  return `${ref.kind.toLowerCase()}${group ? '.' + group : ''}/${ref.name}`;
}

export function summarize(cs: ChangeSet): Summary {
  const s = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Summary;
  for (const c of cs.changes) s[c.action]++;
  return s;
}

/** True when applying would change the cluster (diff's exit code 1). */
export function hasChanges(cs: ChangeSet): boolean {
  return cs.changes.some((c) => c.action === 'created' || c.action === 'configured' || c.action === 'pruned');
}

/** One entry of the machine-readable change set. */
export interface ChangeJSON {
  subject: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: Action;
  /** metadata.generation after the change, for objects that have one. */
  generation?: number;
  error?: string;
  /** A pruned Namespace: `Kind/namespace/name` of the objects inside it that go with it. */
  alsoDeletes?: string[];
  /** Unified diff of the object (Secret values masked); only in `diff` output. */
  diff?: string;
}

/**
 * `-o json|yaml` of apply and diff:
 * { apiVersion: gdeploy.dev/v1alpha1, kind: ChangeSet, app, namespace, dryRun,
 *   changes: ChangeJSON[], summary: {created, configured, unchanged, pruned, skipped, failed}, errors: string[], warnings: string[] }
 */
export interface ChangeSetJSON {
  apiVersion: 'gdeploy.dev/v1alpha1';
  kind: 'ChangeSet';
  app: string;
  namespace: string;
  dryRun: boolean;
  changes: ChangeJSON[];
  summary: Summary;
  errors: string[];
  warnings: string[];
}

export function toJSON(
  cs: ChangeSet,
  ctx: { app: string; namespace: string; dryRun: boolean; errors: string[]; diffOf?: (c: Change) => string },
): ChangeSetJSON {
  return {
    apiVersion: 'gdeploy.dev/v1alpha1',
    kind: 'ChangeSet',
    app: ctx.app,
    namespace: ctx.namespace,
    dryRun: ctx.dryRun,
    changes: cs.changes.map((c) => {
      const out: ChangeJSON = { subject: c.subject, apiVersion: c.ref.apiVersion, kind: c.ref.kind, name: c.ref.name, action: c.action };
      if (c.ref.namespace) out.namespace = c.ref.namespace;
      const gen = c.after?.metadata.generation;
      if (typeof gen === 'number' && c.action !== 'pruned') out.generation = gen;
      if (c.error) out.error = c.error;
      if (c.cascade) out.alsoDeletes = c.cascade.map(subjectOf);
      if (ctx.diffOf) out.diff = ctx.diffOf(c);
      return out;
    }),
    summary: summarize(cs),
    errors: ctx.errors,
    warnings: cs.warnings ?? [],
  };
}
