// `gdeploy status`: every app a cluster has, found by its inventory (the
// ConfigMap gdeploy.<app>), with where its manifests came from, whether the
// cluster still matches them, and whether its objects are healthy. It reads
// and never writes: whether an app is in sync is the engine's own dry run of
// the commit the app last deployed, planned exactly as a sync plans it
// (server-side apply with the app's labels, taking over fields others changed,
// pruning included), so "OutOfSync (N)" counts the objects the next sync of
// that commit would create, change or delete.
import type { Kube, KubeObject, ObjectRef } from '../kube/types.js';
import { kubectlName, type Change } from '../engine/changeset.js';
import { errorMessage } from '../engine/errors.js';
import { driftedFields, type DriftedField } from '../engine/drift.js';
import { readHealth, worstOf, type Health } from '../engine/health.js';
import { historyFrom, lastDeployment, type AppHistory, type Pin, type RevisionRecord } from '../engine/history.js';
import { APP_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, inventoryFromConfigMap, inventoryName, type Inventory } from '../engine/inventory.js';
import { plan } from '../engine/plan.js';
import { mapLimit } from '../engine/pool.js';
import { pinLine, pinnedAt } from './history-view.js';
import { fieldLine } from './sync.js';
import { loadCommit, openSource, type GitSource } from './source.js';

/** Where an app's manifests came from, as its last deploy recorded it. */
export type DeployedSource =
  | {
      kind: 'git';
      repository: string;
      /** Inside the repository, './' for the root. */
      path: string;
      sha: string;
      /** The branch or tag it was deployed from; absent for a bare commit. */
      ref?: string;
      /** `main@sha1:<sha>`: what the objects carry in their gdeploy.dev/revision annotation. */
      revision: string;
    }
  | {
      kind: 'files';
      /** The paths given to `apply -f`, comma-separated. */
      files: string;
    };

type GitDeployed = Extract<DeployedSource, { kind: 'git' }>;

export type SyncState = 'Synced' | 'OutOfSync' | 'Unknown';

/** Where the deployed branch or tag is now in the repository, next to the commit deployed from it. */
export interface Upstream {
  /** The branch or tag the app was deployed from. */
  ref: string;
  /** The commit it points at now. */
  sha?: string;
  /** Commits it has that the deployed commit does not: what the next sync would bring. */
  behind?: number;
  /** It no longer contains the deployed commit (a force-push, an amended commit). */
  rewritten?: boolean;
  /** Why the repository could not be asked. */
  error?: string;
}

export interface OutOfSyncObject {
  subject: string;
  /** What a sync of the deployed commit would do to it: created (it was deleted), configured or pruned. */
  action: string;
  /** For configured: the fields that differ, with both values and who changed them. */
  fields?: DriftedField[];
}

export interface SyncStatus {
  status: SyncState;
  /** Why it is Unknown: the app is not from git, nothing recorded where it came from, or the comparison failed. */
  unknown?: 'not from git' | 'no revision' | 'error';
  /** Unknown (error): what failed. OutOfSync: the first difference, in one line. */
  reason?: string;
  /** With OutOfSync: each object that differs. */
  objects?: OutOfSyncObject[];
  /** A rollback pinned the app: syncs of its branch leave it where it is. */
  pinned?: Pin;
}

export interface AppHealth {
  status: Health;
  reason?: string;
  objects: Array<{ subject: string; status: Health; reason?: string }>;
}

export interface AppStatus {
  app: string;
  namespace: string;
  /** The kubeconfig context the app was read through. */
  cluster: string;
  source?: DeployedSource;
  /** For an app deployed from a branch or tag: where that points now, when it moved on. */
  upstream?: Upstream;
  sync: SyncStatus;
  health: AppHealth;
  /** RFC 3339: the app's newest revision, else its last deploy. */
  updated?: string;
  /** The first thing worth knowing when something is wrong. */
  message?: string;
}

export interface StatusOptions {
  /** Only this app. */
  app?: string;
  /** Every namespace instead of the connection's. */
  allNamespaces?: boolean;
  /** Where repositories are mirrored (as sync's --cache-dir). */
  cacheDir?: string;
  /** Requests in flight per app (the engine's default when absent). */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Apps read at once in one cluster: each one reads its objects and may dry-run a whole commit. */
const APPS_AT_ONCE = 4;

/** Every app of the cluster (in the connection's namespace, or all), by namespace and name. */
export async function clusterStatus(kube: Kube, opts: StatusOptions = {}): Promise<AppStatus[]> {
  const records = await listInventories(kube, opts);
  return mapLimit(records, APPS_AT_ONCE, (cm) => appStatus(kube, cm, opts));
}

/** The apps' ConfigMaps: gdeploy's labels, and the name gdeploy.<app> of the app its label names. */
export async function listInventories(kube: Kube, opts: Pick<StatusOptions, 'app' | 'allNamespaces' | 'signal'>): Promise<KubeObject[]> {
  const selector = [`${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`, ...(opts.app ? [`${APP_LABEL}=${opts.app}`] : [])].join(',');
  const list = await kube.list({ apiVersion: 'v1', kind: 'ConfigMap' }, opts.allNamespaces ? undefined : kube.namespace, { labelSelector: selector, signal: opts.signal });
  return list.items
    .filter((cm) => {
      const app = cm.metadata.labels?.[APP_LABEL];
      return app !== undefined && cm.metadata.name === inventoryName(app);
    })
    .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
}

/** One app's status from its ConfigMap: sync and health are read side by side. */
export async function appStatus(kube: Kube, cm: KubeObject, opts: StatusOptions = {}): Promise<AppStatus> {
  const app = cm.metadata.labels![APP_LABEL]!;
  const namespace = cm.metadata.namespace ?? kube.namespace;
  const history = historyFrom(cm);
  const base = { app, namespace, cluster: kube.context };
  const updated = updatedOf(history, cm);
  let inv: Inventory;
  try {
    inv = inventoryFromConfigMap(cm, app, namespace);
  } catch (err) {
    const reason = errorMessage(err);
    return { ...base, sync: { status: 'Unknown', unknown: 'error', reason }, health: { status: 'Unknown', reason, objects: [] }, ...updated, message: reason };
  }
  const source = deployedSource(inv, history);
  // One mirror of the repository for both the comparison and where the branch is now.
  let opened: Promise<GitSource> | undefined;
  const git = (s: GitDeployed) => (opened ??= openSource({ repo: s.repository, path: s.path, cacheDir: opts.cacheDir, signal: opts.signal }));
  const [sync, health, upstream] = await Promise.all([
    syncStatus(kube, inv, source, history.pin, opts, git),
    appHealth(kube, inv.objects, opts),
    source?.kind === 'git' ? upstreamOf(source, opts, git) : undefined,
  ]);
  const status: AppStatus = { ...base, ...(source ? { source } : {}), ...(upstream ? { upstream } : {}), sync, health, ...updated };
  const message = messageOf(status, history);
  return message ? { ...status, message } : status;
}

function updatedOf(history: AppHistory, cm: KubeObject): { updated?: string } {
  const updated = history.revisions.at(-1)?.time ?? (cm.data as Record<string, string> | undefined)?.appliedAt;
  return updated ? { updated } : {};
}

/**
 * Where the objects in the cluster came from. The inventory's revision is
 * what the engine last applied (a sync whose plan failed changed nothing, and
 * a release put back after a failed rollout records the commit it put back);
 * history fills in the revision string the objects were annotated with. An
 * inventory without one was last deployed by `apply` from files.
 */
export function deployedSource(inv: Inventory, history: AppHistory): DeployedSource | undefined {
  const r = inv.revision;
  if (r?.sha !== undefined && r.source !== undefined) {
    const record = history.revisions.findLast((h) => h.sha === r.sha && h.source === r.source && h.revision !== undefined);
    return gitSource({ source: r.source, path: r.path, sha: r.sha, ref: r.ref, revision: record?.revision });
  }
  const last = lastDeployment(history);
  if (last?.sha !== undefined && last.source !== undefined && r === undefined) {
    return gitSource({ source: last.source, path: last.path, sha: last.sha, ref: last.branch ?? last.ref, revision: last.revision });
  }
  if (last?.action === 'apply' && last.source !== undefined) return { kind: 'files', files: last.source };
  return undefined;
}

function gitSource(r: { source: string; path?: string; sha: string; ref?: string; revision?: string }): DeployedSource {
  const named = r.ref !== undefined && r.ref !== r.sha;
  // How sync and rollback name a target when history no longer has the record.
  const revision = r.revision ?? (named ? `${r.ref}@sha1:${r.sha}` : `sha1:${r.sha}`);
  return { kind: 'git', repository: r.source, path: r.path ?? './', sha: r.sha, ...(named ? { ref: r.ref } : {}), revision };
}

/** Whether the cluster matches the deployed commit: the engine's plan of it, as a sync would make it. */
async function syncStatus(kube: Kube, inv: Inventory, source: DeployedSource | undefined, pin: Pin | undefined, opts: StatusOptions, git: (s: GitDeployed) => Promise<GitSource>): Promise<SyncStatus> {
  const pinned = pin ? { pinned: pin } : {};
  if (source === undefined) return { status: 'Unknown', unknown: 'no revision', ...pinned };
  if (source.kind === 'files') return { status: 'Unknown', unknown: 'not from git', ...pinned };
  try {
    const objects = await commitObjects(source, await git(source));
    const p = await plan(kube, {
      objects,
      app: inv.app,
      namespace: inv.namespace,
      prune: true,
      forceConflicts: true,
      forDiff: true,
      concurrency: opts.concurrency,
      signal: opts.signal,
    });
    if (p.errors.length > 0) return { status: 'Unknown', unknown: 'error', reason: `cannot compare with ${source.revision}: ${p.errors[0]!.message}`, ...pinned };
    const differ = p.changeSet.changes.filter((c) => c.action !== 'unchanged');
    if (differ.length === 0) return { status: 'Synced', ...pinned };
    const listed = differ.map((change) => {
      const fields = driftedFields(change);
      return { subject: change.subject, action: change.action, ...(fields.length > 0 ? { fields } : {}), line: differenceLine(change, fields) };
    });
    return { status: 'OutOfSync', objects: listed.map(({ line: _, ...o }) => o), reason: listed[0]!.line, ...pinned };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return { status: 'Unknown', unknown: 'error', reason: `cannot compare with ${source.revision}: ${errorMessage(err)}`, ...pinned };
  }
}

/** The deployed commit's manifests, annotated as the deploy annotated them; fetched first when the local mirror lacks the commit. */
async function commitObjects(source: GitDeployed, git: GitSource): Promise<KubeObject[]> {
  try {
    await git.mirror.expandCommit(source.sha);
  } catch {
    // Not every server hands out a commit by its id: fetch the branches and tags, which usually hold it.
    await git.mirror.fetch();
  }
  return (await loadCommit(git, source.sha, source.revision)).objects;
}

/**
 * Where the deployed branch or tag points now (asking the remote, fetching
 * only when it moved): absent when it still points at the deployed commit,
 * and for an app deployed from a bare commit.
 */
async function upstreamOf(source: GitDeployed, opts: StatusOptions, open: (s: GitDeployed) => Promise<GitSource>): Promise<Upstream | undefined> {
  if (source.ref === undefined) return undefined;
  try {
    const git = await open(source);
    const now = await git.mirror.update({ ref: source.ref });
    if (now.sha === source.sha) return undefined;
    const [behind, contains] = await Promise.all([git.mirror.commitsAhead(source.sha, now.sha), git.mirror.isAncestor(source.sha, now.sha)]);
    return { ref: source.ref, sha: now.sha, behind, ...(contains ? {} : { rewritten: true }) };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return { ref: source.ref, error: `cannot tell where ${source.ref} is now: ${errorMessage(err)}` };
  }
}

/** The deployed branch moved on: how the message column says it. */
export function upstreamLine(u: Upstream): string | undefined {
  if (u.error !== undefined) return u.error;
  if (u.sha === undefined) return undefined;
  const at = u.sha.slice(0, 7);
  if (u.rewritten) return `${u.ref} was rewritten and is now at ${at}, which does not contain the deployed commit: the next sync deploys it`;
  return `${u.ref} is ${u.behind} commit${u.behind === 1 ? '' : 's'} ahead, at ${at}: the next sync deploys ${u.behind === 1 ? 'it' : 'them'}`;
}

/** One object that differs from git, as the message column says it. */
function differenceLine(change: Change, fields: DriftedField[]): string {
  const name = kubectlName(change.ref);
  if (change.action === 'created') return `${name} is missing: a sync creates it again`;
  if (change.action === 'pruned') return `${name} is no longer in git: a sync deletes it`;
  return fields.length === 0 ? `${name} differs from git` : `${name} differs from git: ${fields.map(fieldLine).join('; ')}`;
}

async function appHealth(kube: Kube, refs: ObjectRef[], opts: StatusOptions): Promise<AppHealth> {
  try {
    const objects = await readHealth(kube, refs, { concurrency: opts.concurrency, signal: opts.signal });
    const worst = worstOf(objects);
    const listed = objects.map((o) => ({ subject: o.subject, status: o.health, ...(o.reason ? { reason: o.reason } : {}) }));
    return { status: worst.health, ...(worst.reason ? { reason: worst.reason } : {}), objects: listed };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return { status: 'Unknown', reason: `cannot read the app's objects: ${errorMessage(err)}`, objects: [] };
  }
}

/**
 * The first thing worth knowing: an object that failed or is gone, then why
 * sync could not be decided, a revision that did not succeed, what differs
 * from git, what is still rolling out, a pin, a branch that moved on, and for
 * an app that records no source, its last revision.
 */
function messageOf(s: AppStatus, history: AppHistory): string | undefined {
  const { health, sync } = s;
  if (health.status === 'Degraded' || health.status === 'Missing') return health.reason;
  if (sync.unknown === 'error') return sync.reason;
  const last = history.revisions.at(-1);
  if (last && last.result !== 'succeeded') return failedLine(last);
  if (sync.status === 'OutOfSync') return sync.reason;
  if (health.status !== 'Healthy') return health.reason;
  if (sync.pinned) {
    // A commit landed after the pin: the next sync ends the pin and deploys it.
    const moved = s.upstream?.sha !== undefined && s.upstream.sha !== sync.pinned.fromHead;
    if (!moved) return pinLine(sync.pinned, s.source?.kind === 'git' ? s.source.repository : undefined);
    return `${pinnedAt(sync.pinned)}, but ${s.upstream!.ref} has moved on to ${s.upstream!.sha!.slice(0, 7)} since: the next sync ends the pin and deploys it`;
  }
  if (s.upstream) return upstreamLine(s.upstream);
  // Nothing says where its objects come from (an app whose objects were all deleted, say): what last happened to it.
  if (sync.unknown === 'no revision' && last?.message) return `revision ${last.number} (${last.action}): ${last.message}`;
  return undefined;
}

function failedLine(r: RevisionRecord): string {
  return `revision ${r.number} (${r.action}) ${r.result}${r.reason ? `: ${r.reason.split('\n')[0]}` : ''}`;
}
