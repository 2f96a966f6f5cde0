// `sync --apps FILE`: many apps from one repository, as Flux runs one
// Kustomization per path with dependsOn, or kapp an app group. The file lists
// the apps; one commit is resolved for all of them, and each app is then
// synced exactly as `sync --app` syncs it (its own lock, inventory, history,
// pin and rollback), in parallel up to a limit, an app only once every app it
// depends on rolled out healthy in this run. Apps may go to other clusters
// (kubeconfig contexts). Apps that left the file are reported, and deleted
// (by their inventories) only when asked.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ExitCode, GdeployError, UsageError, errorMessage } from '../engine/errors.js';
import { namespaceProblem } from '../engine/names.js';
import { lastDeployment, historyFrom, recordRevision, type RevisionRecord } from '../engine/history.js';
import { APP_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, inventoryFromConfigMap, inventoryName, validateAppName } from '../engine/inventory.js';
import { acquireAppLock, untilLost } from '../engine/lock.js';
import { deploy } from '../engine/deploy.js';
import { normaliseRepoPath, type ResolvedCommit } from '../git/index.js';
import type { Kube } from '../kube/types.js';
import { newSyncState, syncOnce, type SyncResult, type SyncSettings } from './sync.js';
import type { GitSource } from './source.js';

/** One entry of the apps file. */
export interface FleetApp {
  name: string;
  /** Repository-relative directory of its manifests. */
  path: string;
  namespace: string;
  dependsOn: string[];
  /** A kubeconfig context; absent: the command's. */
  context?: string;
  prune: boolean;
}

const APP_KEYS = new Set(['name', 'path', 'namespace', 'dependsOn', 'context', 'prune']);

/**
 * Reads and checks an apps file: every problem (unknown keys, bad names,
 * duplicates, unknown or circular dependencies) is found before anything is
 * applied, and each names the file and the entry.
 */
export function parseAppsFile(text: string, file: string): FleetApp[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new UsageError(`${file}${where}: not valid YAML: ${errorMessage(err).split('\n')[0]}`);
  }
  const list = isMap(doc) ? doc.apps : undefined;
  if (!Array.isArray(list) || list.length === 0) throw new UsageError(`${file}: expected a non-empty list under "apps:"`, 'apps:\n  - name: web\n    path: apps/web\n    namespace: web');
  const problems: string[] = [];
  const apps: FleetApp[] = [];
  list.forEach((entry: unknown, i: number) => {
    const at = `${file}: apps[${i}]${isMap(entry) && typeof entry.name === 'string' ? ` (${entry.name})` : ''}`;
    if (!isMap(entry)) {
      problems.push(`${at}: expected a mapping with name, path and namespace`);
      return;
    }
    for (const k of Object.keys(entry)) if (!APP_KEYS.has(k)) problems.push(`${at}: unknown key "${k}" (known: ${[...APP_KEYS].join(', ')})`);
    const str = (k: string, required: boolean): string | undefined => {
      const v = entry[k];
      if (v === undefined || v === null) {
        if (required) problems.push(`${at}: "${k}" is required`);
        return undefined;
      }
      if (typeof v !== 'string' || v === '') problems.push(`${at}: "${k}" must be a non-empty string`);
      return typeof v === 'string' ? v : undefined;
    };
    const name = str('name', true);
    const path = str('path', true);
    const namespace = str('namespace', true);
    const context = str('context', false);
    const badName = name === undefined ? undefined : validateAppName(name);
    if (badName) problems.push(`${at}: ${badName}`);
    const badNs = namespace === undefined ? undefined : namespaceProblem(namespace);
    if (badNs) problems.push(`${at}: invalid namespace "${namespace}": ${badNs}`);
    let normalised = path;
    if (path !== undefined) {
      try {
        normalised = normaliseRepoPath(path) || './';
      } catch (err) {
        problems.push(`${at}: invalid path "${path}": ${errorMessage(err)}`);
      }
    }
    const deps = entry.dependsOn ?? [];
    if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string')) problems.push(`${at}: "dependsOn" must be a list of app names`);
    const prune = entry.prune ?? true;
    if (typeof prune !== 'boolean') problems.push(`${at}: "prune" must be true or false`);
    if (name && normalised && namespace) {
      apps.push({ name, path: normalised, namespace, dependsOn: Array.isArray(deps) ? deps.map(String) : [], prune: prune !== false, ...(context ? { context } : {}) });
    }
  });
  const seen = new Map<string, FleetApp>();
  for (const a of apps) {
    // An app is its name in its namespace, on its cluster: the same name twice would share one inventory.
    if (seen.has(a.name)) problems.push(`${file}: app "${a.name}" is listed twice`);
    seen.set(a.name, a);
  }
  for (const a of apps) {
    for (const d of a.dependsOn) {
      if (!seen.has(d)) problems.push(`${file}: app "${a.name}" depends on "${d}", which the file does not list`);
      if (d === a.name) problems.push(`${file}: app "${a.name}" depends on itself`);
    }
  }
  const cycle = findCycle(apps);
  if (cycle) problems.push(`${file}: circular dependency: ${cycle.join(' -> ')}`);
  if (problems.length > 0) throw new UsageError(problems.length === 1 ? problems[0]! : `${file} has ${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
  return apps;
}

/** A dependency cycle, as the names along it (first repeated at the end), if there is one. */
function findCycle(apps: FleetApp[]): string[] | undefined {
  const byName = new Map(apps.map((a) => [a.name, a]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const d of byName.get(name)?.dependsOn ?? []) {
      if (d === name) continue;
      const found = visit(d);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const a of apps) {
    const found = visit(a.name);
    if (found) return found;
  }
  return undefined;
}

/** How one app of the file ended in this run. */
export interface FleetAppResult {
  app: FleetApp;
  /** The context the app went to ('' when the kubeconfig's current one has no name). */
  context: string;
  exitCode: number;
  result: 'succeeded' | 'failed' | 'rolled back' | 'interrupted' | 'not attempted';
  reason?: string;
  /** The revision recorded, if any. */
  record?: RevisionRecord;
  pinned?: boolean;
}

/** An app found in a cluster whose last deployment came from this apps file, which no longer lists it. */
export interface Orphan {
  app: string;
  namespace: string;
  context: string;
  /** With --prune-apps: how deleting its objects ended. */
  pruned?: 'succeeded' | 'failed';
  reason?: string;
}

export interface FleetSettings {
  /** The apps file's path in the repository. */
  file: string;
  source: GitSource;
  branch?: string;
  ref?: string;
  /** At most this many apps at a time. */
  concurrency: number;
  /** How long deleting an app that left the file waits for another operation on it (--lock-timeout). */
  lockWaitMs: number;
  /** Delete the objects of apps that left the file. */
  pruneApps: boolean;
  dryRun: boolean;
  signal?: AbortSignal;
  /**
   * A connection to `context` (undefined: the command's) whose default
   * namespace is `namespace`. The same pair is asked for once.
   */
  connect: (context: string | undefined, namespace: string) => Promise<Kube>;
  /** The sync settings of one app, on its connection (the flags the command was given). */
  settings: (app: FleetApp, kube: Kube) => SyncSettings;
  /** An app starts, and ends. */
  onStart?: (app: FleetApp) => void;
  onDone?: (r: FleetAppResult) => void;
  /** An app that left the file, found (and pruned, with pruneApps). */
  onOrphan?: (o: Orphan) => void;
}

export interface FleetResult {
  head: ResolvedCommit;
  apps: FleetAppResult[];
  orphans: Orphan[];
  exitCode: number;
}

/** Reads the apps file at the head and checks it against the commit, before any app is deployed. */
export async function loadFleet(s: Pick<FleetSettings, 'file' | 'source' | 'branch' | 'ref'>, head: ResolvedCommit): Promise<FleetApp[]> {
  const where = `${s.file} at ${head.revision} of ${s.source.url.display}`;
  const kind = await s.source.mirror.pathType(head.sha, s.file);
  if (kind !== 'file') throw new UsageError(`${where}: ${kind === 'directory' ? 'is a directory, not an apps file' : 'no such file'}`, 'pass --apps PATH, the apps file\'s path inside the repository');
  const apps = parseAppsFile(await s.source.mirror.readFile(head.sha, s.file), s.file);
  const missing: string[] = [];
  for (const a of apps) {
    if ((await s.source.mirror.pathType(head.sha, a.path)) !== 'directory') missing.push(`app "${a.name}": path "${a.path}" is not a directory at ${head.revision}`);
  }
  if (missing.length > 0) throw new UsageError(`${s.file}: ${missing.join('; ')}`);
  return apps;
}

/** One pass over the apps file: resolve the head, check the file, deploy every app in order, report (and prune) orphans. */
export async function syncFleet(s: FleetSettings): Promise<FleetResult> {
  const head = await s.source.mirror.update({ branch: s.branch, ref: s.ref });
  const apps = await loadFleet(s, head);
  // Every context named must be in the kubeconfig before anything is applied.
  for (const a of apps) {
    try {
      await s.connect(a.context, a.namespace);
    } catch (err) {
      throw new UsageError(`${s.file}: app "${a.name}": ${errorMessage(err)}`);
    }
  }
  const results = new Map<string, FleetAppResult>();
  const running = new Map<string, Promise<void>>();
  const pending = [...apps];

  const runApp = async (app: FleetApp): Promise<void> => {
    const failedDep = app.dependsOn.map((d) => results.get(d)!).find((r) => r.result !== 'succeeded');
    if (failedDep) {
      const r: FleetAppResult = {
        app,
        context: app.context ?? '',
        exitCode: ExitCode.ERROR,
        result: 'not attempted',
        reason: `not attempted: it depends on ${failedDep.app.name}, which ${failedDep.result === 'not attempted' ? 'was not attempted' : failedDep.result}`,
      };
      results.set(app.name, r);
      s.onDone?.(r);
      return;
    }
    s.onStart?.(app);
    let r: FleetAppResult;
    try {
      const kube = await s.connect(app.context, app.namespace);
      const synced: SyncResult = await syncOnce({ ...s.settings(app, kube), head }, { ...s.source, path: app.path }, newSyncState());
      const o = synced.outcome;
      r = {
        app,
        context: kube.context,
        exitCode: synced.exitCode,
        result: o?.result ?? 'succeeded',
        ...(o?.reason ? { reason: o.reason } : {}),
        ...(synced.record ? { record: synced.record } : {}),
        ...(synced.pinned ? { pinned: true } : {}),
      };
    } catch (err) {
      r = { app, context: app.context ?? '', exitCode: err instanceof GdeployError ? err.exitCode : ExitCode.ERROR, result: s.signal?.aborted ? 'interrupted' : 'failed', reason: errorMessage(err) };
    }
    results.set(app.name, r);
    s.onDone?.(r);
  };

  // An app starts once every app it depends on has ended; at most `concurrency` at a time.
  while (pending.length > 0 || running.size > 0) {
    if (s.signal?.aborted) break;
    const ready = pending.filter((a) => a.dependsOn.every((d) => results.has(d)));
    for (const app of ready.slice(0, Math.max(0, s.concurrency - running.size))) {
      pending.splice(pending.indexOf(app), 1);
      running.set(app.name, runApp(app).finally(() => running.delete(app.name)));
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  await Promise.all(running.values());
  for (const app of pending) {
    const r: FleetAppResult = { app, context: app.context ?? '', exitCode: ExitCode.ERROR, result: 'interrupted', reason: 'not attempted: interrupted' };
    results.set(app.name, r);
  }

  const orphans = await findOrphans(s, apps);
  const ordered = apps.map((a) => results.get(a.name)!);
  const exitCode = Math.max(ExitCode.OK, ...ordered.map((r) => r.exitCode), ...orphans.map((o) => (o.pruned === 'failed' ? ExitCode.ERROR : ExitCode.OK)));
  return { head, apps: ordered, orphans, exitCode };
}

/**
 * Apps in the clusters the file deploys to whose last deployment came from
 * this apps file of this repository, and that the file no longer lists.
 * Reported; with --prune-apps their objects are deleted by their inventory.
 */
async function findOrphans(s: FleetSettings, apps: FleetApp[]): Promise<Orphan[]> {
  const listed = new Set(apps.map((a) => a.name));
  const contexts = [...new Set(apps.map((a) => a.context))];
  const orphans: Orphan[] = [];
  for (const context of contexts) {
    let kube: Kube;
    try {
      kube = await s.connect(context, apps.find((a) => a.context === context)!.namespace);
    } catch {
      continue; // Its apps failed already, saying why.
    }
    let found;
    try {
      found = await kube.list({ apiVersion: 'v1', kind: 'ConfigMap' }, undefined, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`, signal: s.signal });
    } catch (err) {
      orphans.push({ app: '*', namespace: '*', context: kube.context, reason: `cannot look for apps that left ${s.file}: ${errorMessage(err)}` });
      continue;
    }
    for (const cm of found.items) {
      const app = cm.metadata.labels?.[APP_LABEL];
      const namespace = cm.metadata.namespace!;
      if (!app || cm.metadata.name !== inventoryName(app) || listed.has(app)) continue;
      const last = lastDeployment(historyFrom(cm));
      if (last?.appsFile !== s.file || last.source !== s.source.url.display || last.action === 'prune-app') continue;
      const orphan: Orphan = { app, namespace, context: kube.context };
      if (s.pruneApps && !s.dryRun) Object.assign(orphan, await pruneApp(kube, s, app, namespace, inventoryFromConfigMap(cm, app, namespace).objects.length));
      orphans.push(orphan);
      s.onOrphan?.(orphan);
    }
  }
  return orphans;
}

/** Deletes every object of an app's inventory (under its lock), and records it in the app's history. */
async function pruneApp(kube: Kube, s: FleetSettings, app: string, namespace: string, count: number): Promise<Pick<Orphan, 'pruned' | 'reason'>> {
  const lock = await acquireAppLock(kube, { app, namespace, operation: 'prune-app', waitMs: s.lockWaitMs, signal: s.signal });
  try {
    const result = await deploy(kube, { objects: [], app, namespace, prune: true, halt: untilLost(lock, s.signal), signal: s.signal });
    const failed = result.errors[0]?.message;
    await recordRevision(kube, app, namespace, {
      action: 'prune-app',
      result: failed ? 'failed' : 'succeeded',
      source: s.source.url.display,
      appsFile: s.file,
      message: `left ${s.file}: ${count} object${count === 1 ? '' : 's'} of its inventory deleted`,
      ...(failed ? { reason: failed } : {}),
      inventory: [],
    });
    return failed ? { pruned: 'failed', reason: failed } : { pruned: 'succeeded' };
  } catch (err) {
    return { pruned: 'failed', reason: errorMessage(err) };
  } finally {
    await lock.release().catch(() => undefined);
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The stable `-o json|yaml` form of a pass over an apps file. */
export function fleetJSON(r: FleetResult, file: string): Record<string, unknown> {
  return {
    apiVersion: 'gdeploy.dev/v1alpha1',
    kind: 'AppsSync',
    appsFile: file,
    revision: r.head.revision,
    sha: r.head.sha,
    exitCode: r.exitCode,
    apps: r.apps.map((a) => ({
      app: a.app.name,
      namespace: a.app.namespace,
      context: a.context,
      path: a.app.path,
      dependsOn: a.app.dependsOn,
      result: a.result,
      exitCode: a.exitCode,
      ...(a.reason ? { reason: a.reason } : {}),
      ...(a.record ? { number: a.record.number } : {}),
      ...(a.pinned ? { pinned: true } : {}),
    })),
    orphans: r.orphans,
  };
}
