// How a rollout reads while it runs and when it ends. On a terminal: one live
// line per workload under a spinner. Elsewhere (CI, pipes): one plain line each
// time a workload's state changes, so logs stay grep-able. All on stderr.
import type { Ora } from 'ora';
import yaml from 'js-yaml';
import type { Kube, KubeObject, ObjectRef } from '../kube/types.js';
import type { ImageChange } from '../engine/images.js';
import { subjectOf } from '../kube/refs.js';
import type { RolloutResult, RolloutTarget, WatchOptions, WorkloadResult, WorkloadStatus } from '../rollout/index.js';
import { availabilityKept, durationText, logReaderOf, watchRollouts } from '../rollout/index.js';
import { ExitCode, GdeployError, errorMessage } from '../engine/errors.js';
import { log } from './log.js';
import { color } from './colors.js';
import { outputMode } from './terminal.js';

/** `deployment/web`, as kubectl names workloads in `rollout status`. */
export function workloadLabel(ref: ObjectRef, defaultNamespace?: string): string {
  const name = `${ref.kind.toLowerCase()}/${ref.name}`;
  return ref.namespace && defaultNamespace !== undefined && ref.namespace !== defaultNamespace ? `${name} -n ${ref.namespace}` : name;
}

/** The state of one workload in one line, e.g. `deployment/web 1/2 new ready, 1 old, 0 unavailable`. */
export function progressLine(s: WorkloadStatus, label: string): string {
  const r = s.replicas;
  let line = label;
  if (s.state === 'done') {
    line += ` ${color.success('rolled out')}${r ? ` (${r.updatedReady}/${r.desired} new ready)` : ''}`;
    return s.bakingMs ? `${line}; baking for ${durationText(s.bakingMs)}...` : line;
  }
  if (r && !s.message.includes('spec update to be observed')) {
    line += ` ${r.updatedReady}/${r.desired} new ready, ${r.old} old, ${r.unavailable} unavailable`;
  } else {
    line += ` ${s.message.replace(/\.\.\.$/, '')}`;
  }
  if (s.problem) line += color.warn(` (Pod ${s.problem.pod}: ${s.problem.reason})`);
  return line;
}

export interface RolloutProgress {
  update(status: WorkloadStatus): void;
  /** Ends live output; call before printing anything else. */
  stop(): void;
}

export function rolloutProgress(label: (ref: ObjectRef) => string): RolloutProgress {
  // A terminal that reports no width (some pseudo-terminals) cannot have lines redrawn in place.
  const redraw = outputMode().interactive && (process.stderr.columns ?? 0) > 0;
  return redraw ? new LiveProgress(label) : new LineProgress(label);
}

class LineProgress implements RolloutProgress {
  private readonly last = new Map<string, string>();
  constructor(private readonly label: (ref: ObjectRef) => string) {}

  update(s: WorkloadStatus): void {
    const line = progressLine(s, this.label(s.ref));
    if (this.last.get(s.subject) === line) return;
    this.last.set(s.subject, line);
    process.stderr.write(line + '\n');
  }

  stop(): void {}
}

class LiveProgress implements RolloutProgress {
  private readonly lines = new Map<string, string>();
  private spinner: Ora | undefined;
  private stopped = false;
  // The spinner is loaded on a terminal only; the first lines show once it is there.
  private readonly ora = import('ora').then((m) => m.default);
  constructor(private readonly label: (ref: ObjectRef) => string) {
    this.ora.catch(() => undefined);
  }

  update(s: WorkloadStatus): void {
    this.lines.set(s.subject, progressLine(s, this.label(s.ref)));
    if (this.spinner) {
      this.spinner.text = this.text();
      return;
    }
    this.ora.then(
      (ora) => {
        if (this.stopped || this.spinner) return;
        this.spinner = ora({ text: this.text(), stream: process.stderr, discardStdin: false }).start();
      },
      () => undefined,
    );
  }

  stop(): void {
    this.stopped = true;
    // Leave the final lines on screen, without the spinner glyph (as ora persists them, if it never got to).
    if (this.spinner) this.spinner.stopAndPersist({ symbol: ' ' });
    else if (this.lines.size > 0) process.stderr.write(`  ${this.text()}\n`);
    this.spinner = undefined;
  }

  private text(): string {
    return [...this.lines.values()].join('\n');
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * One line per object waited for: how long it took and how low availability went
 * against the promised minimum; then, after a bake that passed, a line that says so.
 */
export function summaryLines(result: RolloutResult, label: (ref: ObjectRef) => string): string[] {
  // Objects current as written were never waited for: nothing to say about them.
  const lines = result.workloads.filter((w) => !w.asWritten).map((w) => {
    // A bake begins once every workload is rolled out.
    const rolledOut = w.state === 'done' || result.bake !== undefined;
    const verdict = rolledOut ? 'rolled out' : w.subject === result.failed ? 'failed' : result.outcome === 'timeout' ? 'timed out' : 'stopped';
    let line = `${label(w.ref)} ${verdict} in ${seconds(w.durationMs)}`;
    if (result.bake && w.subject === result.failed) line += color.error(`, then failed during the ${durationText(result.bake.ms)} bake`);
    const a = w.availability;
    if (a && a.availableAtStart > 0) {
      const minimum = a.requiredMinimum === undefined ? 'no minimum during this strategy' : `minimum ${a.requiredMinimum}`;
      line += `; available Pods never below ${a.minAvailable} of ${a.desired} (${minimum})`;
      if (!availabilityKept(a)) line += color.warn(' below the minimum');
    }
    if (w.state === 'done' && w.message.includes('not waiting')) line += ` (${w.message})`;
    return line;
  });
  if (result.bake?.passed) lines.push(`${color.success(`baked for ${durationText(result.bake.ms)}`)}: no restarts, every new Pod stayed Ready`);
  return lines;
}

/**
 * The failure in full: workload, Pod, container, reason, the kubelet's message,
 * then the Pod's recent events and its last log lines.
 */
export function failureLines(w: WorkloadResult, label: string): string[] {
  const p = w.problem;
  const lines: string[] = [];
  if (p) {
    const container = p.initContainer ? `init container ${p.container}` : `container ${p.container}`;
    lines.push(`${label}: Pod ${p.pod} ${container}: ${p.reason}${p.message ? `: ${p.message}` : ''}`);
    lines.push(`  image: ${p.image}`);
    if (p.lastTermination) lines.push(`  last run: ${p.lastTermination} (restarts: ${p.restartCount})`);
  }
  if (w.reason && (!p || !w.reason.startsWith(p.reason))) lines.push(`${label}: ${w.reason}`);
  const ev = w.evidence;
  if (ev?.events.length) lines.push('  events:', ...ev.events.map((e) => `    ${e}`));
  if (ev?.logs.length) lines.push(`  last log lines of ${p?.container ?? 'the container'}:`, ...ev.logs.map((l) => `    ${l}`));
  return lines;
}

/** The one-line reason a rollout did not finish, for the error message. */
export function outcomeMessage(result: RolloutResult, label: (ref: ObjectRef) => string): string {
  if (result.outcome === 'done') return 'rolled out';
  if (result.outcome === 'timeout') {
    const pending = result.workloads.filter((w) => w.state !== 'done');
    const detail = pending.map((w) => `${label(w.ref)}: ${w.message.replace(/\.\.\.$/, '')}${w.problem ? ` (Pod ${w.problem.pod}: ${w.problem.reason})` : ''}`);
    return `timed out waiting for the rollout after ${seconds(result.durationMs)}: ${detail.join('; ')}`;
  }
  const w = result.workloads.find((x) => x.subject === result.failed);
  if (!w) return 'rollout failed';
  // The reason of a failed bake names the Pod and the container already.
  if (result.bake && w.reason) return `${label(w.ref)}: ${w.reason}`;
  const p = w.problem;
  const why: string[] = [];
  // A verdict from the object itself (progress deadline) comes first; the Pod says why.
  if (w.reason && (!p || !w.reason.startsWith(p.reason))) why.push(w.reason);
  if (p) why.push(`${p.reason}: ${p.message || p.image} (Pod ${p.pod}, container ${p.container}, image ${p.image})`);
  return `${label(w.ref)} rollout failed: ${why.join(': ') || w.message}`;
}

/** The stable `-o json|yaml` shape of a rollout. */
export interface RolloutJSON {
  outcome: RolloutResult['outcome'];
  durationMs: number;
  failed?: string;
  bake?: RolloutResult['bake'];
  workloads: Array<{
    subject: string;
    state: string;
    message: string;
    durationMs: number;
    replicas?: WorkloadResult['replicas'];
    availability?: WorkloadResult['availability'];
    reason?: string;
    problem?: WorkloadResult['problem'];
    evidence?: WorkloadResult['evidence'];
  }>;
}

export function rolloutJSON(result: RolloutResult): RolloutJSON {
  const out: RolloutJSON = {
    outcome: result.outcome,
    durationMs: result.durationMs,
    workloads: result.workloads.map((w) => {
      // While baking, a status says so; the result says how the bake ended, once.
      const { ref: _ref, bakingMs: _baking, ...rest } = w;
      return rest;
    }),
  };
  if (result.failed) out.failed = result.failed;
  if (result.bake) out.bake = result.bake;
  return out;
}

export interface FollowOptions extends Omit<WatchOptions, 'onProgress'> {
  /** 'table': live progress, summary and failure details on stderr; otherwise silent (the caller prints data). */
  output: 'table' | 'json' | 'yaml';
  /** Namespace left out of workload labels. */
  namespace: string;
}

/** Runs the watcher with the standard rendering; returns its data for exit codes and -o json. */
export async function followRollouts(
  kube: Pick<Kube, 'list' | 'watch' | 'get'>,
  targets: RolloutTarget[],
  opts: FollowOptions,
): Promise<RolloutResult> {
  const label = (ref: ObjectRef) => workloadLabel(ref, opts.namespace);
  const human = opts.output === 'table';
  const progress = human ? rolloutProgress(label) : undefined;
  let result: RolloutResult;
  try {
    result = await watchRollouts(kube, targets, {
      readLogs: logReaderOf(kube),
      onRetry: (err) => log.debug(`watch: retrying after ${errorMessage(err)}`),
      ...opts,
      onProgress: progress ? (s) => progress.update(s) : undefined,
    });
  } finally {
    progress?.stop();
  }
  if (human) {
    for (const line of summaryLines(result, label)) process.stderr.write(line + '\n');
    const failed = result.workloads.find((w) => w.subject === result.failed);
    if (failed) for (const line of failureLines(failed, label(failed.ref))) process.stderr.write(line + '\n');
  }
  return result;
}

/**
 * The error a command ends with when a rollout did not finish. With a
 * rollback, it also says whether the previous state is back and healthy.
 */
export function rolloutError(result: RolloutResult, namespace: string, rollback?: RolloutResult): GdeployError {
  const label = (ref: ObjectRef) => workloadLabel(ref, namespace);
  const exitCode = result.outcome === 'timeout' ? ExitCode.ROLLOUT_TIMEOUT : ExitCode.ROLLOUT_FAILED;
  let message = outcomeMessage(result, label);
  if (!rollback) return new GdeployError(message, { exitCode, hint: 'pass --rollback-on-failure to put the previous state back automatically' });
  message +=
    rollback.outcome === 'done'
      ? '\nrolled back: the previous state is back and rolled out'
      : `\nrolled back, but the previous state did not roll out either: ${outcomeMessage(rollback, label)}`;
  return new GdeployError(message, { exitCode });
}

/** `-o json|yaml` of set-image: the image changes per object, and the rollout when waited for. */
export function printImageUpdate(
  format: 'json' | 'yaml',
  r: {
    dryRun: boolean;
    planned: { live: KubeObject; changes: ImageChange[] }[];
    rollout?: RolloutResult;
    error?: string;
    /** The apps the objects belong to, and whether git has this change (an app that follows git will put it back). */
    apps?: Array<{ app: string; namespace: string; inGit: boolean; followsGit?: unknown }>;
  },
): void {
  const doc = {
    apiVersion: 'gdeploy.dev/v1alpha1',
    kind: 'ImageUpdate',
    dryRun: r.dryRun,
    objects: r.planned.map((p) => ({
      subject: subjectOf({ kind: p.live.kind, namespace: p.live.metadata.namespace, name: p.live.metadata.name ?? '' }),
      images: p.changes,
    })),
    ...(r.apps && r.apps.length > 0 ? { apps: r.apps } : {}),
    ...(r.rollout ? { rollout: rolloutJSON(r.rollout) } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
  process.stdout.write((format === 'json' ? JSON.stringify(doc, null, 2) : yaml.dump(doc, { lineWidth: -1, noRefs: true }).trimEnd()) + '\n');
}
