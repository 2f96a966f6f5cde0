// Job completion. kubectl has no rollout status for Jobs; these are the rules
// of `kubectl wait --for=condition=Complete` plus failing on Failed=True.
import { condition, num, type CheckResult, type Workload } from './types.js';

export function checkJob(job: Workload): CheckResult {
  const name = job.metadata.name ?? '';
  const failed = condition(job, 'Failed');
  if (failed?.status === 'True') {
    const why = [failed.reason, failed.message].filter(Boolean).join(': ');
    return { done: false, failed: true, message: `job "${name}" failed${why ? `: ${why}` : ''}` };
  }
  if (condition(job, 'Complete')?.status === 'True') {
    return { done: true, message: `job "${name}" completed` };
  }
  const status = job.status ?? {};
  if (job.spec?.suspend === true) {
    return { done: false, message: `job "${name}" is suspended` };
  }
  const parts = [`${num(status.active)} active`, `${num(status.succeeded)} succeeded`, `${num(status.failed)} failed`];
  return { done: false, message: `Waiting for job "${name}" to complete: ${parts.join(', ')}...` };
}
