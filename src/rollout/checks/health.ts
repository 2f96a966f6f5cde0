// The health of any object, in the order of kstatus (sigs.k8s.io/cli-utils
// pkg/kstatus/status Compute), which Flux waits with: rules every object
// follows first, then the rules of its kind (the rollout checks for
// workloads), then the Ready condition; an object with no status convention
// is current as soon as it is written.
import { condition, observed, type CheckResult, type Condition, type Workload } from './types.js';

/** Kinds whose rules are the rollout checks. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

/**
 * Reasons of `Ready=False` that mean "not yet" rather than "no": a controller
 * still at work says so with one of these (Flux's Progressing and
 * DependencyNotReady, cert-manager's Issuing, Crossplane's Creating, ...).
 * Any other reason fails the release at once.
 */
const TRANSIENT_REASONS = new Set([
  'Progressing',
  'ProgressingWithRetry',
  'Reconciling',
  'DependencyNotReady',
  'Pending',
  'Initializing',
  'Installing',
  'Creating',
  'Updating',
  'Issuing',
  'InProgress',
  'Waiting',
  'Provisioning',
  '',
]);

/** Rules every object follows; undefined when they decide nothing. */
export function checkGeneric(obj: Workload, minGeneration = 0): CheckResult | undefined {
  const deleting = (obj.metadata as { deletionTimestamp?: string }).deletionTimestamp;
  if (deleting) return { done: false, message: `${obj.kind} is being deleted` };
  // Only objects whose controller reports what it has seen (observedGeneration present); the
  // workloads' own rules check it in kubectl's words.
  if (!WORKLOAD_KINDS.has(obj.kind) && obj.status && 'observedGeneration' in obj.status && !observed(obj, minGeneration)) {
    return { done: false, message: `Waiting for the controller to observe generation ${Math.max(obj.metadata.generation ?? 0, minGeneration)} of ${obj.kind} "${obj.metadata.name}"...` };
  }
  const stalled = condition(obj, 'Stalled');
  if (stalled?.status === 'True') return { done: false, failed: true, message: conditionLine(obj, stalled) };
  const reconciling = condition(obj, 'Reconciling');
  if (reconciling?.status === 'True') return { done: false, message: `${conditionLine(obj, reconciling)}...` };
  return undefined;
}

/** Per-kind rules for kinds whose status says more than conditions (kstatus's legacy types), or undefined. */
export function checkKind(obj: Workload): CheckResult | undefined {
  const status = (obj.status ?? {}) as Record<string, unknown>;
  const name = `${obj.kind} "${obj.metadata.name}"`;
  switch (obj.kind) {
    case 'PersistentVolumeClaim':
      return status.phase === 'Bound' ? { done: true, message: `${name} is Bound` } : { done: false, message: `Waiting for ${name} to be Bound (phase ${String(status.phase ?? 'unknown')})...` };
    case 'Namespace':
      return status.phase === 'Terminating' ? { done: false, message: `${name} is terminating` } : { done: true, message: `${name} is Active` };
    case 'Service': {
      if ((obj.spec as { type?: string } | undefined)?.type !== 'LoadBalancer') return { done: true, message: `${name} is ready` };
      const ingress = (status.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress;
      return Array.isArray(ingress) && ingress.length > 0 ? { done: true, message: `${name} has a load balancer` } : { done: false, message: `Waiting for the load balancer of ${name}...` };
    }
    case 'CustomResourceDefinition': {
      const names = condition(obj, 'NamesAccepted');
      if (names?.status === 'False') return { done: false, failed: true, message: conditionLine(obj, names) };
      const established = condition(obj, 'Established');
      if (established?.status === 'True') return { done: true, message: `${name} is Established` };
      if (established?.status === 'False' && established.reason !== 'Installing') return { done: false, failed: true, message: conditionLine(obj, established) };
      return { done: false, message: `Waiting for ${name} to be Established...` };
    }
    case 'Pod': {
      const phase = status.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return { done: true, message: `${name} has completed (${String(phase)})` };
      if (condition(obj, 'Ready')?.status === 'True') return { done: true, message: `${name} is Ready` };
      return { done: false, message: `Waiting for ${name} to be Ready (phase ${String(phase ?? 'unknown')})...` };
    }
    default:
      return undefined;
  }
}

/** The Ready condition, else Available: what most controllers, built in or not, report. */
export function checkConditions(obj: Workload): CheckResult | undefined {
  const ready = condition(obj, 'Ready') ?? condition(obj, 'Available');
  if (!ready) return undefined;
  if (ready.status === 'True') return { done: true, message: `${obj.kind} "${obj.metadata.name}" is ${ready.type}` };
  if (ready.status === 'False' && !TRANSIENT_REASONS.has(ready.reason ?? '')) return { done: false, failed: true, message: conditionLine(obj, ready) };
  return { done: false, message: `Waiting for ${obj.kind} "${obj.metadata.name}": ${conditionLine(obj, ready)}...` };
}

/** `Ready=False (CertificateRequestFailed): the issuer refused` */
function conditionLine(obj: Workload, c: Condition): string {
  return `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`;
}
