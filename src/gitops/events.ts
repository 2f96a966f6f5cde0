// What sync, the watch loop and rollback report while they work. They return
// and emit data only; the commands turn these into lines.
import type { Change } from '../engine/changeset.js';
import type { DriftedField } from '../engine/drift.js';

/** An object that drifted from git, and how. */
export interface DriftedObject {
  change: Change;
  fields: DriftedField[];
}
import type { Pin, RevisionRecord } from '../engine/history.js';
import type { LeaseHolder } from '../engine/lock.js';
import type { CommitInfo } from '../git/index.js';
import type { WorkloadStatus } from '../rollout/index.js';
import type { ReleaseOutcome } from './release.js';
import type { PinDecision } from './pin.js';

type PinRelease = Extract<PinDecision, { kind: 'released' }>['why'];

export type GitOpsEvent =
  /** Another operation holds the app's lock; we wait for it. */
  | { type: 'lock-wait'; holder: LeaseHolder }
  /** A lease left by a process that stopped renewing it was taken over. */
  | { type: 'lock-takeover'; previous: LeaseHolder }
  /** A commit is about to be deployed. */
  | { type: 'commit'; revision: string; commit: CommitInfo }
  /** The branch head is not deployed because a rollback pinned the app. */
  | { type: 'pinned'; pin: Pin; head: string }
  /** The pin ended: a new commit landed on the branch, or --unpin. */
  | { type: 'unpinned'; pin: Pin; head: string; why: PinRelease }
  /**
   * Objects changed by hand differ from the deployed commit: put back
   * (`corrected`), or only reported (sync --drift report).
   */
  | { type: 'drift'; revision: string; drift: DriftedObject[]; corrected: boolean }
  | { type: 'rollout'; status: WorkloadStatus }
  /** A rollout failed and the previous revision is being put back (--rollback-on-failure). */
  | { type: 'rolling-back'; to: RevisionRecord }
  | { type: 'released'; outcome: ReleaseOutcome; record?: RevisionRecord }
  /** The branch has no new commit and nothing drifted. */
  | { type: 'up-to-date'; revision: string }
  /** A pass failed; the loop tries again after `inMs`. */
  | { type: 'retry'; error: string; inMs: number };

export type EmitFn = (ev: GitOpsEvent) => void;
