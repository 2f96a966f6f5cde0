// The app's release history and its pin, kept in the cluster beside the
// inventory: keys `history` and `pinned` of the app's ConfigMap (gdeploy.<app>),
// written by their own field manager, so the engine's server-side applies of
// `objects`/`revision` and these never erase each other.
//
// Every sync, apply --app and rollback appends one revision, numbered like
// `helm history`; the last MAX_REVISIONS are kept. Objects deployed from git
// carry the revision in the REVISION_ANNOTATION, so `kubectl get -o yaml` says
// which commit an object came from.
import { hostname, userInfo } from 'node:os';
import type { Kube, KubeObject, ObjectRef } from '../kube/types.js';
import { isAlreadyExists, isConflict } from '../kube/errors.js';
import { subjectOf } from './changeset.js';
import { appLabels, HISTORY_FIELD_MANAGER, inventoryName, inventoryRef, parseJSON } from './inventory.js';

export const REVISION_ANNOTATION = 'gdeploy.dev/revision';
export const MAX_REVISIONS = 20;

export type RevisionResult = 'succeeded' | 'failed' | 'rolled back' | 'interrupted';
/**
 * `drift`: a sync put back what was changed by hand, at the commit already deployed.
 * `prune-app`: the app left its apps file and `sync --prune-apps` deleted its objects.
 */
export type RevisionAction = 'sync' | 'apply' | 'rollback' | 'drift' | 'set-image' | 'edit' | 'prune-app';

export interface RevisionRecord {
  /** 1, 2, 3, ... never reused, even after old entries are dropped. */
  number: number;
  action: RevisionAction;
  result: RevisionResult;
  /** RFC 3339. */
  time: string;
  /** Who deployed: the CI actor, else the local user. */
  by: string;
  /** `main@sha1:<sha>` for git sources. */
  revision?: string;
  sha?: string;
  branch?: string;
  /** A tag or commit given with --ref. */
  ref?: string;
  /** Repository URL without credentials, or a local path. */
  source?: string;
  /** Path inside the source. */
  path?: string;
  /** The commit's subject line. */
  message?: string;
  /** Why it failed, in one line. */
  reason?: string;
  /** For a rollback: the revision number it went back to. */
  rollbackTo?: number;
  /** For a drift entry: what was put back, one line per object, with the fields and who had changed them. */
  drift?: string[];
  /** A change made in the cluster (set-image, edit) to an app that follows git, which git does not have: the next sync puts it back. */
  notInGit?: boolean;
  /** Deployed as one app of an apps file (sync --apps): the file's path in the repository. */
  appsFile?: string;
  /** The objects deployed, as `Kind/namespace/name`. */
  inventory: string[];
}

/**
 * A rollback pins the app to the commit it went back to: syncs of `branch`
 * leave it there while the branch still points at `fromHead`, the head that
 * was rolled back from. A new commit on the branch, or sync --unpin, ends it.
 */
export interface Pin {
  sha: string;
  revision: string;
  branch: string;
  fromHead: string;
  /** The history number of the rollback that set it. */
  number: number;
  time: string;
  by: string;
}

export interface AppHistory {
  revisions: RevisionRecord[];
  pin?: Pin;
}

/** What a new revision does to the pin: set it (numbered and signed like the revision), clear it, or keep it. */
export type PinChange = { set: Omit<Pin, 'number' | 'time' | 'by'> } | { clear: true } | 'keep';

export type NewRevision = Omit<RevisionRecord, 'number' | 'time' | 'by'> & { time?: string; by?: string };

export async function readHistory(kube: Kube, app: string, namespace: string, signal?: AbortSignal): Promise<AppHistory> {
  const cm = await kube.find(inventoryRef(app, namespace), { signal });
  return historyFrom(cm);
}

/** Newest last; the caller lists them newest first. */
export function historyFrom(cm: KubeObject | undefined): AppHistory {
  const data = (cm?.data ?? {}) as Record<string, string>;
  const revisions = parseJSON<RevisionRecord[]>(data.history);
  const pin = parseJSON<Pin>(data.pinned);
  const out: AppHistory = { revisions: Array.isArray(revisions) ? revisions : [] };
  if (pin && typeof pin.sha === 'string') out.pin = pin;
  return out;
}

/** Appends a revision (and sets or clears the pin in the same write); returns it with its number. */
export async function recordRevision(
  kube: Kube,
  app: string,
  namespace: string,
  entry: NewRevision,
  pin: PinChange = 'keep',
  signal?: AbortSignal,
): Promise<RevisionRecord> {
  let recorded: RevisionRecord | undefined;
  const time = entry.time ?? new Date().toISOString();
  const by = entry.by ?? currentUser();
  await updateHistory(kube, app, namespace, signal, (h) => {
    // A retried write whose first attempt went through unanswered finds its entry already there.
    const last = h.revisions[h.revisions.length - 1]?.number ?? 0;
    const fresh: RevisionRecord = { ...entry, number: last + 1, time, by };
    const same = (r: RevisionRecord): boolean => JSON.stringify({ ...r, number: 0 }) === JSON.stringify({ ...fresh, number: 0 });
    const already = h.revisions.find(same);
    recorded = already ?? fresh;
    const next: AppHistory = { revisions: already ? h.revisions : [...h.revisions, recorded].slice(-MAX_REVISIONS) };
    if (pin === 'keep' && h.pin) next.pin = h.pin;
    if (typeof pin === 'object' && 'set' in pin) {
      next.pin = { ...pin.set, number: recorded.number, time: recorded.time, by: recorded.by };
    }
    return next;
  });
  return recorded!;
}

export async function clearPin(kube: Kube, app: string, namespace: string, signal?: AbortSignal): Promise<Pin | undefined> {
  let old: Pin | undefined;
  await updateHistory(kube, app, namespace, signal, (h) => {
    old = h.pin;
    return { revisions: h.revisions };
  });
  return old;
}

/**
 * Read-modify-write guarded by resourceVersion (a PUT, or a create for the
 * first write): two writers (an apply --app outside the app lock, say) never
 * lose each other's entries; the loser re-reads and tries again. The other
 * keys of the ConfigMap are written back as they were read.
 */
async function updateHistory(
  kube: Kube,
  app: string,
  namespace: string,
  signal: AbortSignal | undefined,
  change: (h: AppHistory) => AppHistory,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const cm = await kube.find(inventoryRef(app, namespace), { signal });
    const next = change(historyFrom(cm));
    const data: Record<string, string> = { ...((cm?.data ?? {}) as Record<string, string>), history: JSON.stringify(next.revisions) };
    if (next.pin) data.pinned = JSON.stringify(next.pin);
    else delete data.pinned;
    try {
      if (cm === undefined) {
        const metadata = { name: inventoryName(app), namespace, labels: appLabels(app) };
        await kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data }, { fieldManager: HISTORY_FIELD_MANAGER, signal });
      } else {
        await kube.update({ ...cm, data }, { fieldManager: HISTORY_FIELD_MANAGER, signal });
      }
      return;
    } catch (err) {
      if (!(isConflict(err) || isAlreadyExists(err)) || attempt >= 10) throw err;
    }
  }
}

/** The CI actor when running in CI, else user@host. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  const actor = env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN;
  if (actor) {
    const job = env.GITHUB_RUN_ID ? ` (github run ${env.GITHUB_RUN_ID})` : env.CI_JOB_ID ? ` (gitlab job ${env.CI_JOB_ID})` : '';
    return `${actor}${job}`;
  }
  let user = env.USER ?? env.USERNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}

/** Subjects of the objects in an inventory, for the record. */
export function inventorySubjects(refs: ObjectRef[]): string[] {
  return refs.map(subjectOf).sort();
}

/**
 * What the next deploy replaces: the newest revision that succeeded, whatever
 * made it (sync, rollback, apply). Later ones that failed or were rolled back
 * left it in place. --rollback-on-failure puts back this one and no other:
 * an older revision would be a release nobody asked for.
 */
export function replacedRevision(h: AppHistory): RevisionRecord | undefined {
  return h.revisions.findLast((r) => r.result === 'succeeded');
}

/** Changes made in the cluster by hand: they do not change where the app's manifests come from. */
const MANUAL_ACTIONS: ReadonlySet<RevisionAction> = new Set(['set-image', 'edit']);

/** The newest revision that deployed the app's manifests (not a set-image or edit made in between). */
export function lastDeployment(h: AppHistory): RevisionRecord | undefined {
  return h.revisions.findLast((r) => !MANUAL_ACTIONS.has(r.action));
}

/**
 * The newest revision that succeeded, other than `exceptSha` (the one deployed
 * now) and from `source` when given: what `rollback` with no argument goes to.
 */
export function lastSucceeded(h: AppHistory, opts: { exceptSha?: string; source?: string } = {}): RevisionRecord | undefined {
  for (let i = h.revisions.length - 1; i >= 0; i--) {
    const r = h.revisions[i]!;
    if (r.result !== 'succeeded' || r.sha === undefined || r.sha === opts.exceptSha) continue;
    if (opts.source !== undefined && r.source !== opts.source) continue;
    return r;
  }
  return undefined;
}
