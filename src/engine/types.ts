// The engine's contract with the commands: what goes into a plan or a deploy
// and what comes out. Commands hand in loaded objects; the engine hands back
// data (change set, changed workloads, errors) and never prints.
import type { KubeObject, ObjectRef } from '../kube/types.js';
import type { Change, ChangeSet } from './changeset.js';
import type { Inventory } from './inventory.js';
import type { Retained } from './prune-guard.js';

/** Where a set of manifests came from; stored in the inventory with each deploy. */
export interface Revision {
  /** Git commit the manifests were read from. */
  sha?: string;
  /** Branch or tag, e.g. 'main'. */
  ref?: string;
  /** Repository URL or local path. */
  source?: string;
  /** Path inside the source, e.g. './'. */
  path?: string;
  /** Commit subject, for history listings. */
  message?: string;
}

/**
 * What a deploy's objects are.
 * - `manifests`: an app's desired state (apply, sync, rollback). Each object is
 *   labelled with the app, recorded in its inventory, and pruned from it once gone.
 * - `edits`: changes to live objects made by hand (set-image, edit). Each is
 *   written exactly as given, under its own field manager; the app's labels,
 *   inventory and prune are left alone.
 */
export type DeployKind = 'manifests' | 'edits';

/**
 * How objects are written.
 * - `apply`: server-side apply (PATCH application/apply-patch+yaml).
 * - `update`: PUT guarded by the object's metadata.resourceVersion, as
 *   `kubectl edit` saves: a change someone made since it was read is never
 *   overwritten (the write fails with a conflict instead).
 */
export type WriteVerb = 'apply' | 'update';

export interface PlanOptions {
  /** Objects as loaded (loadManifests); namespaced objects without a namespace get `namespace`. */
  objects: KubeObject[];
  /** Application name: labels every object and names the inventory (`manifests` only). */
  app: string;
  /** `manifests` when absent. */
  kind?: DeployKind;
  /** `apply` when absent; `update` is for `edits` only. */
  write?: WriteVerb;
  /** Target namespace: default for objects without one, and home of the inventory. */
  namespace: string;
  /** Refuse objects naming another namespace (kubectl's behaviour with an explicit -n). */
  enforceNamespace?: boolean;
  /** Also plan deletion of inventory objects missing from `objects`. */
  prune?: boolean;
  /** Take over fields other managers own. */
  forceConflicts?: boolean;
  /** Objects planned (dry-run) in parallel. */
  concurrency?: number;
  /** 'gdeploy' when absent. */
  fieldManager?: string;
  /**
   * Also ask the server (a dry-run DELETE) whether each prune would be
   * allowed, so that a refused one stops the deploy before its first write.
   * Only for a deploy that will really delete: a diff or a dry run needs no
   * delete permission, as `kubectl diff` needs none.
   */
  checkPrunes?: boolean;
  /** The plan is shown as a diff: errors say what the server would refuse, not that an apply failed. */
  forDiff?: boolean;
  /** Aborts the requests themselves (a cancelled wait); see DeployOptions.halt for stopping a deploy cleanly. */
  signal?: AbortSignal;
}

export interface DeployOptions extends PlanOptions {
  /** Plan and report; write nothing (prunes are shown, not done). */
  dryRun?: boolean;
  /** Recorded in the inventory. */
  revision?: Revision;
  /** The command waits for what it changed: CRDs are waited for until Established even when none of their objects follow. */
  wait?: boolean;
  /** Which changed objects are handed to the wait (changedWorkloads); 'all' when absent. */
  waitFor?: WaitFor;
  /** Progress, in order, for live output. */
  onEvent?: (ev: DeployEvent) => void;
  /**
   * Stops the deploy cleanly (SIGINT, SIGTERM): no write starts once it fires,
   * writes in flight finish, the rest is reported skipped, prune does not run,
   * and the inventory still lists every object that may exist. Its reason
   * (an Error) says why, e.g. "interrupted by SIGINT".
   */
  halt?: AbortSignal;
}

/**
 * What a release waits for (WaitFor): every object the deploy created or
 * changed, or its workloads only (Deployments, StatefulSets, DaemonSets).
 */
export type WaitFor = 'all' | 'workloads';

/** An object the deploy created or changed, that a release waits for until it is current (rolled out, Ready, ...). */
export interface ChangedWorkload {
  ref: ObjectRef;
  subject: string;
  /** metadata.generation the change produced (for objects that have one): wait until status.observedGeneration reaches it. */
  generation?: number;
  /** The object as the write returned it: when that already says it is current, there is nothing to watch. */
  object?: KubeObject;
  uid?: string;
  /** created or configured. */
  action: 'created' | 'configured';
}

/** An error tied to an object when there is one. */
export interface EngineError {
  subject?: string;
  /** A whole line: it names its object itself ("Deployment/prod/web apply failed: ..."). */
  message: string;
  /**
   * False only for errors that leave the rest of the deploy valid (a field
   * conflict on one object). Any other planning error stops the deploy before
   * its first write.
   */
  fatal: boolean;
  cause?: unknown;
}

/** A change as planned: the change set entry plus what the deploy needs to carry it out. */
export interface PlannedChange extends Change {
  /** The object as it will be applied (for a prune: the live object). */
  desired: KubeObject;
  /**
   * Its kind (a CRD) or its namespace is created by this same deploy, so the
   * server could not check it yet: the deploy plans it again after the first stage.
   */
  deferred?: 'crd' | 'namespace';
}

export interface Plan {
  /** One entry per object to apply, in input order, then one per prune candidate. */
  changeSet: { changes: PlannedChange[]; warnings?: string[] };
  /** Planning errors (invalid objects, unknown kinds, conflicts). A deploy writes nothing when any exists. */
  errors: EngineError[];
  /** Inventory objects gone from the manifests that prune keeps (a Namespace or CRD that still holds others): they stay in the inventory. */
  retained: Retained[];
  /** The app's inventory as it was before this deploy (undefined: first deploy). */
  inventory?: Inventory;
}

export interface DeployResult {
  changeSet: ChangeSet;
  changedWorkloads: ChangedWorkload[];
  errors: EngineError[];
  /** True when nothing was written (dry run, or planning failed). */
  dryRun: boolean;
  /** Set when `halt` stopped the deploy before it was done: why, e.g. "interrupted by SIGINT". */
  interrupted?: string;
}

export type DeployEvent =
  | { type: 'planned'; plan: Plan }
  | { type: 'stage'; name: 'cluster' | 'crds-established' | 'objects' | 'prune' }
  | { type: 'change'; change: Change }
  /** The deploy is done (a release waits for rollouts next): what it changed, and its errors. */
  | { type: 'deployed'; result: DeployResult };
