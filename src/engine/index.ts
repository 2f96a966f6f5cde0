// The engine's public surface. Commands call:
//
//   const objects = await loadManifests(paths, { recursive });        // throws ManifestError; nothing sent
//   const result  = await deploy(kube, { objects, app, namespace, prune, dryRun, forceConflicts, revision, signal });
//   //  result.changeSet.changes: per object { ref, subject, action, before?, after?, error? }
//   //  result.changedWorkloads:  [{ ref, subject, generation, uid, action }] -> the rollout watcher
//   //  result.errors:            [{ subject?, message, fatal }] (a fatal planning error means nothing was written)
//   const p = await plan(kube, { objects, app, namespace, prune });     // dry run only, for diff
//
// `kube` comes from connect() in src/kube. Labels, inventory and history keys
// are in inventory.ts.
export { loadManifests, parseManifests, splitDocuments, sourceOf, describeSource, appDirName, ManifestError } from './manifests.js';
export type { LoadOptions, ManifestSource } from './manifests.js';
export { plan, isClusterStage, isCRD, isNamespace, DEFAULT_FIELD_MANAGER } from './plan.js';
export { deploy } from './deploy.js';
export { DEFAULT_CONCURRENCY } from './pool.js';
export {
  ACTIONS,
  subjectOf,
  refOf,
  keyOf,
  groupOf,
  kubectlName,
  summarize,
  hasChanges,
  toJSON,
} from './changeset.js';
export type { Action, Change, ChangeSet, Summary, ChangeJSON, ChangeSetJSON } from './changeset.js';
export {
  APP_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  HISTORY_FIELD_MANAGER,
  INVENTORY_FIELD_MANAGER,
  appLabels,
  appNameFrom,
  inventoryName,
  inventoryRef,
  readInventory,
  writeInventory,
  validateAppName,
} from './inventory.js';
export type { Inventory } from './inventory.js';
export { comparable, deepEqual } from './normalize.js';
export type {
  ChangedWorkload,
  DeployEvent,
  DeployOptions,
  DeployResult,
  EngineError,
  Plan,
  PlanOptions,
  PlannedChange,
  Revision,
} from './types.js';
