// Waits for a set of workloads to roll out, all at once, the way `kubectl
// rollout status` judges each one, and stops at the first real failure: a new
// Pod that cannot pull its image or keeps crashing, a progress deadline, or
// the timeout. With a bake, the watch goes on for that long after every
// target is done, and fails on what the bake catches (bake.ts). Returns data;
// rendering is the caller's.
import type { Kube } from '../kube/types.js';
import { isOutlasted } from '../kube/errors.js';
import { check, isWatchedKind, type Workload } from './checks/index.js';
import { subjectOf } from '../engine/changeset.js';
import { Bake } from './bake.js';
import { gatherEvidence, type ContainerProblem, type Evidence, type LogReader } from './failures.js';
import { Tracker, type RolloutTarget, type WorkloadStatus } from './tracker.js';
import type { Availability } from './summary.js';

export type RolloutOutcome = 'done' | 'failed' | 'timeout';

export interface WatchOptions {
  /** Give up after this long: outcome 'timeout'. 0 waits without a limit, as kubectl's --timeout=0. */
  timeoutMs: number;
  /** How long a new Pod may stay in ImagePullBackOff, CrashLoopBackOff, ... before the rollout fails. */
  failureGraceMs?: number;
  /** Rejects the wait with the signal's reason. */
  signal?: AbortSignal;
  /** Every change of a workload's status, in order. */
  onProgress?: (status: WorkloadStatus) => void;
  /** Reads container logs for the failure report; without it the report has events only. */
  readLogs?: LogReader;
  /** Log lines in a failure report. */
  logLines?: number;
  /** Errors the watcher recovers from by retrying (a lost connection, a failed list), for -v. */
  onRetry?: (err: unknown) => void;
  /**
   * Once every target is done, keep watching this long (the timeout no longer
   * runs): a restart of a new Pod's container, a new Pod that stops being
   * Ready or a target that stops being done for longer than the failure grace
   * fails the watch. 0 or absent: the watch ends when every target is done.
   */
  bakeMs?: number;
}

export const DEFAULT_FAILURE_GRACE_MS = 5_000;
/** Evidence is a courtesy: never let collecting it hold up the verdict for long. */
const EVIDENCE_TIMEOUT_MS = 10_000;

export interface WorkloadResult extends WorkloadStatus {
  /** From the start of the wait until this workload finished (or the wait ended). */
  durationMs: number;
  availability?: Availability;
  /** Events and logs of the Pod that failed the rollout. */
  evidence?: Evidence;
  /** Current as the write returned it: never watched. */
  asWritten?: true;
}

export interface RolloutResult {
  outcome: RolloutOutcome;
  durationMs: number;
  workloads: WorkloadResult[];
  /** The workload that decided a failure, by subject. */
  failed?: string;
  /** Watches the server ended that were resumed; lists redone after 410 Gone. */
  reconnects: { resumes: number; relists: number };
  /** Set when a bake began: how long it was to last, and whether it passed (outcome 'done') or failed. */
  bake?: { ms: number; passed: boolean };
}

export function watchRollouts(
  kube: Pick<Kube, 'list' | 'watch'>,
  targets: RolloutTarget[],
  opts: WatchOptions,
): Promise<RolloutResult> {
  return new RolloutWatch(kube, targets, opts).run();
}

/**
 * A target that needs no watch: not a workload, and already current as the
 * write returned it (a ConfigMap, a Service, a custom resource without status
 * conventions), by the same rules a watch would judge it with.
 */
function currentAsWritten(t: RolloutTarget): WorkloadStatus | undefined {
  if (!t.object || isWatchedKind(t.ref.kind)) return undefined;
  const result = check(t.object as Workload, t.generation ?? 0);
  return result.done ? { ref: t.ref, subject: subjectOf(t.ref), state: 'done', message: result.message } : undefined;
}

class RolloutWatch {
  private readonly started = Date.now();
  private readonly stop = new AbortController();
  private readonly trackers: Tracker[];
  private readonly last = new Map<string, WorkloadStatus>();
  private readonly finishedAt = new Map<string, number>();
  private recheck: NodeJS.Timeout | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private bakeTimer: NodeJS.Timeout | undefined;
  /** Set once every target is done, when there is a bake. */
  private bake: Bake | undefined;
  private settle!: (r: { outcome: RolloutOutcome; failed?: WorkloadStatus }) => void;
  private settled = false;
  /** A list or watch that outlasted the retry budget: the wait ends with it. */
  private outage: unknown;

  /** Targets current as written: done from the start, never watched. */
  private readonly current: WorkloadStatus[] = [];

  constructor(
    private readonly kube: Pick<Kube, 'list' | 'watch'>,
    targets: RolloutTarget[],
    private readonly opts: WatchOptions,
  ) {
    const watched: RolloutTarget[] = [];
    for (const t of targets) {
      const done = currentAsWritten(t);
      if (done) this.current.push(done);
      else watched.push(t);
    }
    this.trackers = watched.map((t) => new Tracker(kube, t, () => this.evaluate(), (err) => this.retrying(err)));
  }

  async run(): Promise<RolloutResult> {
    const { signal } = this.opts;
    signal?.throwIfAborted();
    const verdict = new Promise<{ outcome: RolloutOutcome; failed?: WorkloadStatus }>((resolve) => (this.settle = resolve));
    if (this.opts.timeoutMs > 0) this.timeout = setTimeout(() => this.finish('timeout'), this.opts.timeoutMs);
    // Ends the watches; run() then rejects with the signal's reason.
    const onAbort = () => this.finish('timeout');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (this.trackers.length === 0) this.finish('done');
    for (const t of this.trackers) t.start(this.stop.signal);
    try {
      const { outcome, failed } = await verdict;
      await Promise.all(this.trackers.map((t) => t.stopped()));
      signal?.throwIfAborted();
      if (this.outage !== undefined) throw this.outage;
      const evidence = failed?.problem ? await this.evidence(failed.problem) : undefined;
      return this.result(outcome, failed, evidence);
    } finally {
      clearTimeout(this.timeout);
      clearTimeout(this.bakeTimer);
      clearTimeout(this.recheck);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The informers retry what fails; but once the server has been unreachable
   * for longer than the retry budget, nothing can be judged and the wait ends
   * with that error.
   */
  private retrying(err: unknown): void {
    if (!isOutlasted(err)) return this.opts.onRetry?.(err);
    this.outage ??= err;
    this.finish('timeout');
  }

  /** Re-judges every workload; called after each change any cache sees. */
  private evaluate(): void {
    if (this.settled) return;
    const now = Date.now();
    const grace = this.opts.failureGraceMs ?? DEFAULT_FAILURE_GRACE_MS;
    const judged = this.trackers.map((t) => ({ t, ...t.evaluate(now, grace) }));
    const done = judged.every(({ t, status }) => t.ready && status.state === 'done');
    if (done && !this.bake && (this.opts.bakeMs ?? 0) > 0) this.startBake();
    let recheckAt: number | undefined;
    let failed: WorkloadStatus | undefined;
    for (const { t, ...j } of judged) {
      let { status, recheckAt: at } = j;
      if (this.bake) {
        const verdict = this.bake.judge(status, t.newPods(), now, grace);
        status = verdict.reason
          ? { ...status, state: 'failed', reason: verdict.reason, problem: verdict.problem ?? status.problem }
          : { ...status, bakingMs: this.bake.ms };
        if (verdict.recheckAt !== undefined) at = Math.min(at ?? verdict.recheckAt, verdict.recheckAt);
      }
      if (t.ready) this.report(status);
      else this.last.set(status.subject, status);
      if (status.state === 'done' && !this.finishedAt.has(t.subject)) this.finishedAt.set(t.subject, now);
      if (status.state === 'failed') failed ??= status;
      if (at !== undefined) recheckAt = Math.min(recheckAt ?? at, at);
    }
    if (failed) return this.finish('failed', failed);
    if (done && !this.bake) return this.finish('done');
    // A Pod stuck in ImagePullBackOff produces no more events: look again when its grace runs out.
    clearTimeout(this.recheck);
    if (recheckAt !== undefined) this.recheck = setTimeout(() => this.evaluate(), Math.max(0, recheckAt - now));
  }

  /**
   * Every target is done: the timeout stops, each new Pod's restart counts
   * are noted, and the watch goes on until the bake ends ('done') or fails.
   */
  private startBake(): void {
    clearTimeout(this.timeout);
    const ms = this.opts.bakeMs!;
    this.bake = new Bake(ms, this.trackers.flatMap((t) => t.newPods()));
    this.bakeTimer = setTimeout(() => {
      // A last look, so that a change seen just now still counts.
      this.evaluate();
      this.finish('done');
    }, ms);
  }

  private report(status: WorkloadStatus): void {
    const before = this.last.get(status.subject);
    this.last.set(status.subject, status);
    if (before && sameStatus(before, status)) return;
    this.opts.onProgress?.(status);
  }

  private finish(outcome: RolloutOutcome, failed?: WorkloadStatus): void {
    if (this.settled) return;
    this.settled = true;
    this.stop.abort();
    this.settle({ outcome, failed });
  }

  private async evidence(problem: ContainerProblem): Promise<Evidence> {
    const signals = [AbortSignal.timeout(EVIDENCE_TIMEOUT_MS)];
    if (this.opts.signal) signals.push(this.opts.signal);
    return gatherEvidence(this.kube, this.opts.readLogs, problem, { logLines: this.opts.logLines, signal: AbortSignal.any(signals) });
  }

  private result(outcome: RolloutOutcome, failed: WorkloadStatus | undefined, evidence: Evidence | undefined): RolloutResult {
    const end = Date.now();
    const workloads = this.trackers.map((t): WorkloadResult => {
      const status = this.last.get(t.subject) ?? { ref: t.target.ref, subject: t.subject, state: 'progressing', message: 'not observed yet' };
      const r: WorkloadResult = { ...status, durationMs: (this.finishedAt.get(t.subject) ?? end) - this.started };
      const availability = t.availability();
      if (availability) r.availability = availability;
      if (failed && t.subject === failed.subject && evidence) r.evidence = evidence;
      return r;
    });
    workloads.unshift(...this.current.map((status) => ({ ...status, durationMs: 0, asWritten: true as const })));
    const reconnects = this.trackers.reduce(
      (sum, t) => {
        const r = t.reconnects();
        return { resumes: sum.resumes + r.resumes, relists: sum.relists + r.relists };
      },
      { resumes: 0, relists: 0 },
    );
    const result: RolloutResult = { outcome, durationMs: end - this.started, workloads, reconnects };
    if (failed) result.failed = failed.subject;
    if (this.bake) result.bake = { ms: this.bake.ms, passed: outcome === 'done' };
    return result;
  }
}

function sameStatus(a: WorkloadStatus, b: WorkloadStatus): boolean {
  return (
    a.state === b.state &&
    a.message === b.message &&
    a.bakingMs === b.bakingMs &&
    a.problem?.reason === b.problem?.reason &&
    a.problem?.pod === b.problem?.pod &&
    JSON.stringify(a.replicas) === JSON.stringify(b.replicas)
  );
}
