// The bake (--bake DUR): once every target is rolled out, the watch goes on a
// while, because the usual bad release becomes Ready and then dies under
// traffic. During the bake a release fails when a container of a new Pod
// restarts (its restart count rises above what it was when the rollout
// finished) or waits in a failing state (CrashLoopBackOff...), when a new Pod
// that was Ready stops being Ready for longer than the grace, or when a
// target stops being done (by the same checks as the rollout) for longer
// than the grace.
import type { KubeObject } from '../kube/types.js';
import { FAILING_REASONS, containerProblem, containerStatuses, type ContainerProblem, type ContainerStatus } from './failures.js';
import type { WorkloadStatus } from './tracker.js';

/** `30s`, `1m30s`, `500ms`: a bake's length as people write it. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 1000 !== 0) return `${(ms / 1000).toFixed(1)}s`;
  const s = ms / 1000;
  const [h, m, rest] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest || (!h && !m) ? `${rest}s` : ''}`;
}

export interface BakeVerdict {
  /** Set when the target failed the bake: why, in one line (`failed during the 30s bake: ...`). */
  reason?: string;
  /** The container that failed it, for the evidence. */
  problem?: ContainerProblem;
  /** When a grace runs out, to look again then. */
  recheckAt?: number;
}

export class Bake {
  /** Restart counts when the bake began, by `namespace/pod/container`. */
  private readonly baseline = new Map<string, number>();
  /** New Pods seen Ready; only those can stop being Ready. */
  private readonly wasReady = new Set<string>();
  /** Since when a Pod that was Ready is not, or a target is not done, by Pod key or subject. */
  private readonly since = new Map<string, number>();

  constructor(
    readonly ms: number,
    pods: KubeObject[],
  ) {
    for (const pod of pods) {
      for (const { status } of containerStatuses(pod)) this.baseline.set(containerKey(pod, status), status.restartCount ?? 0);
      if (isReady(pod)) this.wasReady.add(podKey(pod));
    }
  }

  /**
   * Judges one target during the bake: its status as the rollout checks see
   * it now, and the Pods of its new revision.
   */
  judge(status: WorkloadStatus, pods: KubeObject[], now: number, graceMs: number): BakeVerdict {
    const fail = (why: string, problem?: ContainerProblem): BakeVerdict => ({ reason: `failed during the ${durationText(this.ms)} bake: ${why}`, problem });
    if (status.state === 'failed') return fail(status.reason ?? status.message, status.problem);
    let recheckAt: number | undefined;
    const graceRunsOut = (key: string, bad: boolean): boolean => {
      if (!bad) {
        this.since.delete(key);
        return false;
      }
      const since = this.since.get(key) ?? now;
      this.since.set(key, since);
      if (now >= since + graceMs) return true;
      recheckAt = Math.min(recheckAt ?? Infinity, since + graceMs);
      return false;
    };
    for (const pod of pods) {
      for (const { status: cs, initContainer } of containerStatuses(pod)) {
        const restarts = (cs.restartCount ?? 0) - (this.baseline.get(containerKey(pod, cs)) ?? 0);
        const waiting = cs.state?.waiting;
        const failing = waiting?.reason !== undefined && FAILING_REASONS.has(waiting.reason);
        if (restarts <= 0 && !failing) continue;
        const problem = containerProblem(pod, cs, initContainer, waiting?.reason ?? 'Restarted', waiting?.message ?? `restarted ${times(restarts)} after the rollout`);
        const what = `${initContainer ? 'init container' : 'container'} ${cs.name} of Pod ${pod.metadata.name}`;
        const how = exitOf(cs);
        if (restarts > 0) return fail(`${what} restarted${restarts > 1 ? ` ${times(restarts)}` : ''}${how ? ` (${how})` : ''}`, problem);
        return fail(`${what}: ${waiting!.reason}${how ? ` (last run: ${how})` : ''}`, problem);
      }
      // A Pod being deleted or done (a Job's) is no longer meant to be Ready.
      const key = podKey(pod);
      if (pod.metadata.deletionTimestamp || phaseOf(pod) === 'Succeeded') continue;
      if (isReady(pod)) this.wasReady.add(key);
      if (graceRunsOut(key, this.wasReady.has(key) && !isReady(pod))) {
        const why = readyCondition(pod)?.message;
        return fail(`Pod ${pod.metadata.name} stopped being Ready for ${durationText(graceMs)}${why ? ` (${why})` : ''}`);
      }
    }
    if (graceRunsOut(status.subject, status.state !== 'done')) {
      return fail(`no longer current for ${durationText(graceMs)}: ${status.message.replace(/\.\.\.$/, '')}`, status.problem);
    }
    return { recheckAt };
  }
}

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

/** `exit code 1, Error`: how the container's last run ended, if it did. */
function exitOf(cs: ContainerStatus): string | undefined {
  const t = cs.lastState?.terminated;
  if (!t) return undefined;
  return `exit code ${t.exitCode ?? '?'}${t.reason ? `, ${t.reason}` : ''}`;
}

function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

function containerKey(pod: KubeObject, cs: ContainerStatus): string {
  return `${podKey(pod)}/${cs.name}`;
}

function phaseOf(pod: KubeObject): string | undefined {
  return (pod.status as { phase?: string } | undefined)?.phase;
}

function readyCondition(pod: KubeObject): { status?: string; message?: string } | undefined {
  const conditions = (pod.status as { conditions?: { type: string; status?: string; message?: string }[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === 'Ready');
}

function isReady(pod: KubeObject): boolean {
  return readyCondition(pod)?.status === 'True';
}
