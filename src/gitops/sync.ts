// One sync pass: fetch, pick the commit (the branch head, or the pinned
// rollback), deploy it under the app's lock, and record the revision. The
// watch loop runs this on every tick; `gdeploy sync` runs it once.
import { ExitCode } from '../engine/errors.js';
import { kubectlName, type Change } from '../engine/changeset.js';
import { driftedFields, type DriftedField } from '../engine/drift.js';
import type { DriftedObject } from './events.js';
import {
  clearPin,
  lastDeployment,
  readHistory,
  recordRevision,
  replacedRevision,
  type AppHistory,
  type NewRevision,
  type PinChange,
  type RevisionAction,
  type RevisionRecord,
} from '../engine/history.js';
import { acquireAppLock, untilLost, type AppLock } from '../engine/lock.js';
import type { ResolvedCommit } from '../git/index.js';
import { decidePin } from './pin.js';
import { release, type ObjectCache, type ReleaseOutcome, type ReleaseSettings, type ReleaseTarget } from './release.js';
import type { GitSource } from './source.js';

export interface SyncSettings extends ReleaseSettings {
  /** Between commits: put back what was changed by hand (correct, as Flux does), or only say so (report). */
  drift?: 'correct' | 'report';
  branch?: string;
  ref?: string;
  /** Deploy the branch head even if a rollback pinned the app. */
  unpin: boolean;
  /** The head, already resolved (an apps file resolves it once for all its apps): not fetched again. */
  head?: ResolvedCommit;
  /** The app is one of this apps file's (a path in the repository): recorded with each revision. */
  appsFile?: string;
  /** How long to wait for another operation on the app (ms). */
  lockWaitMs: number;
  rollbackOnFailure: boolean;
}

/** What a pass remembers for the next one. */
export interface SyncState {
  cache: ObjectCache;
  /** The pin already reported, so a watch says "pinned" once, not every tick. */
  reportedPin?: string;
  /** A head whose deploy failed is not tried again before `until` (backoff), unless the branch moves. */
  holdOff?: { head: string; until: number };
}

export interface SyncResult {
  head: ResolvedCommit;
  /** Absent when the pass was skipped: the head failed and its retry is not due. */
  outcome?: ReleaseOutcome;
  /** The revision recorded by this pass; none when the commit was already deployed. */
  record?: RevisionRecord;
  /** The app stays on a rolled-back commit instead of the head. */
  pinned: boolean;
  exitCode: ExitCode;
}

export function newSyncState(): SyncState {
  return { cache: new Map() };
}

export async function syncOnce(s: SyncSettings, source: GitSource, state: SyncState): Promise<SyncResult> {
  const head = s.head ?? (await source.mirror.update({ branch: s.branch, ref: s.ref }));
  if (state.holdOff && state.holdOff.head === head.sha && Date.now() < state.holdOff.until) {
    return { head, pinned: false, exitCode: ExitCode.OK };
  }
  const lock = s.dryRun ? undefined : await takeLock(s, 'sync');
  try {
    const history = await readHistory(s.kube, s.app, s.namespace, s.signal);
    const decision = decidePin(history.pin, head, s.unpin);
    let target: ReleaseTarget = head;
    if (decision.kind === 'pinned') {
      const p = decision.pin;
      target = { sha: p.sha, revision: p.revision, branch: p.branch };
      const key = `${p.number}/${head.sha}`;
      if (state.reportedPin !== key) s.emit({ type: 'pinned', pin: p, head: head.sha });
      state.reportedPin = key;
    } else if (decision.kind === 'released') {
      s.emit({ type: 'unpinned', pin: decision.pin, head: head.sha, why: decision.why });
      state.reportedPin = undefined;
      if (!s.dryRun) await clearPin(s.kube, s.app, s.namespace, s.signal);
    }
    const { outcome, record } = await deployAndRecord({ ...s, signal: untilLost(lock, s.signal) }, source, target, history, { action: 'sync', cache: state.cache, extra: s.appsFile ? { appsFile: s.appsFile } : {} });
    return { head, outcome, record, pinned: decision.kind === 'pinned', exitCode: outcome.exitCode };
  } finally {
    await lock?.release();
  }
}

export async function takeLock(s: SyncSettings | (ReleaseSettings & { lockWaitMs: number }), operation: string): Promise<AppLock> {
  return acquireAppLock(s.kube, {
    app: s.app,
    namespace: s.namespace,
    operation,
    waitMs: s.lockWaitMs,
    signal: s.signal,
    onWait: (holder) => s.emit({ type: 'lock-wait', holder }),
    onTakeover: (previous) => s.emit({ type: 'lock-takeover', previous }),
  });
}

/**
 * Deploys `target` and appends it to the history, unless it is the commit the
 * last revision already deployed with the same result: then the pass only put
 * back what drifted, and says so.
 */
export async function deployAndRecord(
  s: ReleaseSettings & { rollbackOnFailure: boolean; drift?: 'correct' | 'report' },
  source: GitSource,
  target: ReleaseTarget,
  history: AppHistory,
  record: { action: RevisionAction; cache?: ObjectCache; extra?: Partial<RevisionRecord>; pin?: PinChange },
): Promise<{ outcome: ReleaseOutcome; record?: RevisionRecord }> {
  const { action, cache, extra = {}, pin = 'keep' } = record;
  // The last deploy of the manifests: a set-image or edit in between is drift from it, not a deploy of its own.
  const last = lastDeployment(history);
  // The same commit from the same place again: a sync pass that only checks for drift.
  const again = action === 'sync' && last?.sha === target.sha && last.source === source.url.display && last.path === source.path;
  const deployed = again && last?.result === 'succeeded';
  if (!deployed) {
    const commit = await source.mirror.commit(target.sha);
    s.emit({ type: 'commit', revision: target.revision, commit });
  }
  // Between commits, --drift report only looks: a dry run of the deployed commit.
  const reportOnly = deployed && s.drift === 'report';
  // A failed rollout puts back the revision this one replaces, if there is one.
  const previous = s.rollbackOnFailure ? replacedRevision(history) : undefined;
  const rollback = previous && { previous, onStart: (to: RevisionRecord) => s.emit({ type: 'rolling-back', to }) };
  let outcome = await release(reportOnly ? { ...s, dryRun: true } : s, source, target, cache, rollback);

  // A pass that ends as the last one did is not a new revision; an interrupted one always is.
  const repeat = again && last?.result === outcome.result && outcome.result !== 'interrupted';
  if (repeat && outcome.result === 'succeeded' && outcome.deploy) {
    const drifted = driftOf(outcome.deploy.changeSet.changes);
    if (drifted.length > 0) {
      outcome = { ...outcome, drift: { objects: drifted, corrected: !reportOnly } };
      s.emit({ type: 'drift', revision: target.revision, drift: drifted, corrected: !reportOnly });
    } else {
      s.emit({ type: 'up-to-date', revision: target.revision });
    }
  }
  if (s.dryRun || reportOnly || (repeat && outcome.drift === undefined)) {
    s.emit({ type: 'released', outcome });
    return { outcome };
  }
  if (repeat && outcome.drift) {
    // Put back: a revision of its own, so that history says a hot fix was reverted, what and whose.
    const recorded = await recordRevision(s.kube, s.app, s.namespace, {
      ...revisionOf(target, source, outcome),
      ...extra,
      action: 'drift',
      drift: outcome.drift.objects.map(driftLine),
    });
    s.emit({ type: 'released', outcome, record: recorded });
    return { outcome, record: recorded };
  }
  const recorded = await recordRevision(
    s.kube,
    s.app,
    s.namespace,
    { ...revisionOf(target, source, outcome), action, ...extra },
    pin,
  );
  s.emit({ type: 'released', outcome, record: recorded });
  return { outcome, record: recorded };
}

function revisionOf(target: ReleaseTarget, source: GitSource, outcome: ReleaseOutcome): Omit<NewRevision, 'action'> {
  return {
    result: outcome.result,
    revision: target.revision,
    sha: target.sha,
    branch: target.branch,
    ref: target.ref,
    source: source.url.display,
    path: source.path,
    message: outcome.commit?.subject,
    reason: outcome.reason,
    inventory: outcome.inventory,
  };
}

/** The objects a pass changed at the deployed commit, with the fields that differed and who changed them. */
function driftOf(changes: Change[]): DriftedObject[] {
  return changes
    .filter((c) => c.action === 'created' || c.action === 'configured' || c.action === 'pruned')
    .map((change) => ({ change, fields: driftedFields(change) }));
}

/** `deployment.apps/web: spec.replicas 5 -> 2 (kubectl-scale)`: one line of a drift entry in history. */
export function driftLine(d: DriftedObject): string {
  const name = kubectlName(d.change.ref);
  if (d.fields.length === 0) return `${name} ${d.change.action}`;
  return `${name}: ${d.fields.map(fieldLine).join('; ')}`;
}

export function fieldLine(f: DriftedField): string {
  const by = f.managers.length > 0 ? ` (${f.managers.join(', ')})` : '';
  return `${f.path}: ${f.live ?? '(none)'} -> ${f.desired ?? '(none)'}${by}`;
}
