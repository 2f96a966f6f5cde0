// The job controller: runs Pods until `completions` succeed (parallelism at a
// time), or gives up after backoffLimit failures, with the conditions a 1.32
// cluster writes (SuccessCriteriaMet/Complete, FailureTarget/Failed).
import { storedStatus } from '../omitempty.js';
import type { KubeObject } from '../types.js';
import { claim } from './claim.js';
import { WorkloadController } from './controller.js';
import type { EventRecorder } from './events.js';
import { randomSuffix } from './hash.js';
import { CONTROLLER_MANAGER, getCondition, isTerminating, nowIso, sameJson, type Condition, type LabelSelector, type Pod, type PodTemplateSpec } from './objects.js';
import { isPodActive, isPodReady, podFromTemplate } from './pods.js';
import type { ReconcileResult, Runtime } from './runtime.js';

const SOURCE = { component: 'job-controller' };
const OPTS = { fieldManager: CONTROLLER_MANAGER };

type Job = KubeObject & {
  spec: {
    selector?: LabelSelector;
    template: PodTemplateSpec;
    parallelism?: number;
    completions?: number | null;
    backoffLimit?: number;
    suspend?: boolean;
  };
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    ready?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: Condition[];
    [field: string]: unknown;
  };
};

function finished(job: Job): boolean {
  return ['Complete', 'Failed'].some((t) => getCondition(job.status?.conditions, t)?.status === 'True');
}

function condition(type: string, reason: string, message: string): Condition {
  const t = nowIso();
  return { type, status: 'True', lastProbeTime: t, lastTransitionTime: t, reason, message };
}

export class JobController extends WorkloadController<Job> {
  constructor(rt: Runtime, events: EventRecorder) {
    super(rt, events, { name: 'job', owner: ['batch', 'Job'], child: ['', 'Pod'] });
  }

  protected sync(job: Job): ReconcileResult {
    if (finished(job) || !job.spec.selector) return undefined;
    const pods = claim(this.rt, job, job.spec.selector, this.rt.cache.list<Pod>('', 'Pod', job.metadata.namespace), CONTROLLER_MANAGER);
    const active = pods.filter(isPodActive);
    const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
    // With restartPolicy OnFailure a failure restarts the container in place; those count too.
    const restarts = active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + c.restartCount, 0), 0);
    const failed = pods.filter((p) => p.status?.phase === 'Failed').length + restarts;
    const completions = job.spec.completions ?? 1;
    const parallelism = job.spec.parallelism ?? 1;
    const backoffLimit = job.spec.backoffLimit ?? 6;
    const status: NonNullable<Job['status']> = { ...(job.status ?? {}), startTime: job.status?.startTime ?? nowIso() };
    let conditions = [...(job.status?.conditions ?? [])];
    let activeCount = active.length;

    if (failed > backoffLimit) {
      const message = 'Job has reached the specified backoff limit';
      conditions = [...conditions, condition('FailureTarget', 'BackoffLimitExceeded', message), condition('Failed', 'BackoffLimitExceeded', message)];
      for (const p of active) this.deletePod(p);
      activeCount = 0;
      this.events.record(SOURCE, job, 'Warning', 'BackoffLimitExceeded', message);
    } else if (succeeded >= completions) {
      const message = 'Reached expected number of succeeded pods';
      conditions = [...conditions, condition('SuccessCriteriaMet', 'CompletionsReached', message), condition('Complete', 'CompletionsReached', message)];
      status.completionTime = nowIso();
      for (const p of active) this.deletePod(p);
      activeCount = 0;
      this.events.record(SOURCE, job, 'Normal', 'Completed', 'Job completed');
    } else if (!job.spec.suspend && !isTerminating(job)) {
      const want = Math.min(parallelism, completions - succeeded);
      for (let i = active.length; i < want; i++) {
        const pod = podFromTemplate(job.spec.template, job, `${job.metadata.name}-${randomSuffix()}`);
        const created = this.rt.store.create(this.rt.res('', 'Pod'), pod, OPTS);
        this.events.record(SOURCE, job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        activeCount++;
      }
    }
    Object.assign(status, {
      active: activeCount,
      succeeded,
      failed,
      ready: active.filter(isPodReady).length,
      terminating: pods.filter(isTerminating).length,
      uncountedTerminatedPods: {},
      conditions,
    });
    if (!conditions.length) delete status.conditions;
    if (!sameJson(job.status ?? {}, storedStatus('batch/Job', status))) {
      this.rt.store.update(this.rt.res('batch', 'Job'), { ...job, status }, { ...OPTS, subresource: 'status' });
    }
    return undefined;
  }

  private deletePod(pod: Pod): void {
    this.rt.store.delete(this.rt.res('', 'Pod'), pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
  }
}
