// Why a rollout cannot finish, read from its Pods: the container states the
// kubelet reports when an image cannot be pulled or a container keeps crashing.
// Detection is pure; gathering the evidence (events, logs) is the one I/O step.
import type { Kube, KubeObject } from '../kube/types.js';
import { errorMessage } from '../engine/errors.js';

/** Waiting reasons that do not heal by waiting (the kubelet backs off and tries again, forever). */
export const FAILING_REASONS: ReadonlySet<string> = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'InvalidImageName',
]);

// ErrImagePull and ImagePullBackOff alternate for one cause; so do a crash and
// CrashLoopBackOff. One problem must not restart its grace period at each flip.
const SAME_PROBLEM: Record<string, string> = { ErrImagePull: 'ImagePullBackOff', ImagePullBackOff: 'ImagePullBackOff' };

export interface ContainerProblem {
  pod: string;
  namespace: string;
  container: string;
  initContainer: boolean;
  image: string;
  reason: string;
  /** The kubelet's message, e.g. `Back-off pulling image "x"`. */
  message: string;
  /** For crashes: how the last run ended, e.g. `exit code 1 (Error)`. */
  lastTermination?: string;
  restartCount: number;
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string } };
  lastState?: { terminated?: { exitCode?: number; reason?: string; message?: string } };
}

/** A Pod's container statuses, init containers first. */
export function containerStatuses(pod: KubeObject): { status: ContainerStatus; initContainer: boolean }[] {
  const status = (pod.status ?? {}) as { initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
  return [
    ...(status.initContainerStatuses ?? []).map((s) => ({ status: s, initContainer: true })),
    ...(status.containerStatuses ?? []).map((s) => ({ status: s, initContainer: false })),
  ];
}

/** Containers of one Pod stuck in a failing state, init containers first. */
export function podProblems(pod: KubeObject): ContainerProblem[] {
  return containerStatuses(pod).flatMap(({ status: cs, initContainer }) => {
    const waiting = cs.state?.waiting;
    if (!waiting?.reason || !FAILING_REASONS.has(waiting.reason)) return [];
    return [containerProblem(pod, cs, initContainer, waiting.reason, waiting.message ?? '')];
  });
}

/** One container of a Pod as a problem with `reason`, with how its last run ended. */
export function containerProblem(pod: KubeObject, cs: ContainerStatus, initContainer: boolean, reason: string, message: string): ContainerProblem {
  const spec = (pod.spec ?? {}) as { initContainers?: { name: string; image?: string }[]; containers?: { name: string; image?: string }[] };
  const specImage = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find((c) => c.name === cs.name)?.image;
  const terminated = cs.lastState?.terminated;
  return {
    pod: pod.metadata.name ?? '',
    namespace: pod.metadata.namespace ?? '',
    container: cs.name,
    initContainer,
    // The status shows the resolved image; the spec shows what the user asked for.
    image: specImage ?? cs.image ?? '',
    reason,
    message,
    lastTermination: terminated ? describeTermination(terminated) : undefined,
    restartCount: cs.restartCount ?? 0,
  };
}

/** Identity of a problem across the kubelet's flips between related reasons. */
export function problemKey(p: ContainerProblem): string {
  return `${p.namespace}/${p.pod}/${p.container}/${SAME_PROBLEM[p.reason] ?? p.reason}`;
}

function describeTermination(t: { exitCode?: number; reason?: string; message?: string }): string {
  const parts = [`exit code ${t.exitCode ?? '?'}`];
  if (t.reason) parts[0] += ` (${t.reason})`;
  if (t.message) parts.push(t.message.trim());
  return parts.join(': ');
}

/** What a person needs to fix a failed rollout, beyond the one-line reason. */
export interface Evidence {
  /** Recent events of the Pod, oldest first, e.g. `Warning Failed: Failed to pull image ...`. */
  events: string[];
  /** Last log lines of the failing container (its previous run when it crashed). */
  logs: string[];
}

/** Reads container logs. Separate from Kube because logs are text, not objects. */
export type LogReader = (
  ref: { namespace: string; pod: string; container: string },
  opts: { tailLines: number; previous: boolean; signal: AbortSignal },
) => Promise<string>;

export interface EvidenceOptions {
  events?: number;
  logLines?: number;
  signal: AbortSignal;
}

/**
 * Collects a Pod's recent events and log lines. Best effort: the failure is
 * reported whether or not its evidence can be read.
 */
export async function gatherEvidence(
  kube: Pick<Kube, 'list'>,
  readLogs: LogReader | undefined,
  problem: ContainerProblem,
  opts: EvidenceOptions,
): Promise<Evidence> {
  const [events, logs] = await Promise.all([
    podEvents(kube, problem, opts.events ?? 5, opts.signal).catch((err: unknown) => [`(events unavailable: ${errorMessage(err)})`]),
    // Only a container that ran has logs; one that never pulled has none.
    readLogs && (problem.reason === 'CrashLoopBackOff' || problem.lastTermination !== undefined)
      ? readLogs(problem, { tailLines: opts.logLines ?? 10, previous: true, signal: opts.signal })
          .then(splitLines)
          .catch((err: unknown) => [`(logs unavailable: ${errorMessage(err)})`])
      : Promise.resolve([]),
  ]);
  return { events, logs };
}

async function podEvents(kube: Pick<Kube, 'list'>, p: ContainerProblem, limit: number, signal: AbortSignal): Promise<string[]> {
  const list = await kube.list({ apiVersion: 'v1', kind: 'Event' }, p.namespace, {
    fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${p.pod}`,
    signal,
  });
  return list.items
    .map((ev) => ev as KubeObject & EventFields)
    .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
    .slice(-limit)
    .map((ev) => {
      const count = (ev.count ?? 1) > 1 ? ` (x${ev.count})` : '';
      return `${ev.type ?? 'Normal'} ${ev.reason ?? ''}: ${(ev.message ?? '').trim()}${count}`;
    });
}

interface EventFields {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
}

function eventTime(ev: EventFields & KubeObject): string {
  return ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ev.metadata.creationTimestamp ?? '';
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
