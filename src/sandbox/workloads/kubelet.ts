// The kubelets of the simulated nodes: take each bound Pod through image
// pull, container start, readiness, crash loops and graceful termination,
// reporting status and events the way the real kubelet words them. Every
// Kubernetes duration (probe delays, back-offs, grace periods) is scaled by
// the time factor; readyDelayMs is added before any container is Ready.
import type { StoreEvent } from '../types.js';
import { startupLines } from './app.js';
import type { EventRecorder, EventType } from './events.js';
import { hex64 } from './hash.js';
import type { LogBook } from './logbook.js';
import { nodeIndex, nodeIP } from './nodes.js';
import {
  isTerminating,
  nowIso,
  sameJson,
  setCondition,
  type Container,
  type ContainerState,
  type ContainerStatus,
  type Pod,
  type PodStatus,
} from './objects.js';
import { normalizeImage, type ImageOutcome, type ImageRegistry } from './registry.js';
import type { ReconcileResult, Runtime } from './runtime.js';

const NAME = 'kubelet';
const OPTS = { fieldManager: 'kubelet' };

/** Kubelet back-off: 10s doubling to 5 minutes, for image pulls and container restarts. */
const BACKOFF_BASE_S = 10;
const BACKOFF_MAX_S = 300;
/** How long ErrImagePull shows before the kubelet turns it into ImagePullBackOff. */
const ERR_IMAGE_PULL_S = 2;
/** How long a crashing container runs before it exits. */
const CRASH_AFTER_S = 1;
/** How long a container of a Job (restartPolicy OnFailure/Never) runs before it completes. */
const JOB_RUN_S = 2;

type Step = 'pulling' | 'pullFailed' | 'pullBackOff' | 'running' | 'crashBackOff' | 'exited';

interface ContainerSim {
  spec: Container;
  outcome: ImageOutcome;
  step: Step;
  /** When the current step ends; Infinity when only an outside change ends it. */
  due: number;
  failedPulls: number;
  restarts: number;
  containerID?: string;
  startedAt?: number;
  readyAt: number;
  exitCode?: number;
  last?: NonNullable<ContainerState['terminated']>;
  pulledImage: boolean;
}

interface PodSim {
  uid: string;
  node: string;
  ip: string;
  startTime: string;
  containers: ContainerSim[];
  killAt?: number;
}

function backoffSeconds(n: number): number {
  return Math.min(BACKOFF_BASE_S * 2 ** n, BACKOFF_MAX_S);
}

/** Go's time.Duration String for whole seconds: 10s, 1m20s, 5m0s. */
function goDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m ? `${m}m${seconds % 60}s` : `${seconds}s`;
}

export class Kubelet {
  private readonly pods = new Map<string, PodSim>();
  private readonly ipCounters = new Map<string, number>();
  private readonly imagesOnNode = new Map<string, Set<string>>();

  constructor(
    private readonly rt: Runtime,
    private readonly events: EventRecorder,
    private readonly registry: ImageRegistry,
    private readonly logs: LogBook,
  ) {
    rt.register(NAME, (key) => this.sync(key));
  }

  onEvent(ev: StoreEvent): void {
    const o = ev.object as Pod;
    if (o.kind !== 'Pod' || ev.resource.group !== '') return;
    if (ev.type === 'DELETED') {
      this.forget(o.metadata.uid ?? '');
      return;
    }
    if (o.spec?.nodeName) this.rt.enqueue(NAME, `${o.metadata.namespace}/${o.metadata.name}`);
  }

  /** Re-checks every Pod, e.g. after image rules changed. */
  resyncAll(): void {
    for (const p of this.rt.cache.list('', 'Pod', undefined) as Pod[]) {
      if (p.spec.nodeName) this.rt.enqueue(NAME, `${p.metadata.namespace}/${p.metadata.name}`);
    }
  }

  private forget(uid: string): void {
    this.pods.delete(uid);
    this.rt.readySince.delete(uid);
    this.logs.forget(uid);
  }

  private sync(key: string): ReconcileResult {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.rt.cache.get('', 'Pod', ns, name) as Pod | undefined;
    if (!pod?.spec.nodeName) return undefined;
    if (!this.rt.cache.get('', 'Node', undefined, pod.spec.nodeName)) {
      // No kubelet runs there: the Pod never starts, and a deleted one is collected at once.
      if (isTerminating(pod)) this.terminate(pod, undefined, Date.now());
      return undefined;
    }
    const uid = pod.metadata.uid ?? '';
    const now = Date.now();
    let sim = this.pods.get(uid);
    if (isTerminating(pod)) return this.terminate(pod, sim, now);
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
    if (!sim) {
      sim = this.admit(pod, now);
      this.pods.set(uid, sim);
    }
    for (const c of sim.containers) this.advance(pod, sim, c, now);
    this.writeStatus(pod, sim, now);
    return this.nextWake(sim, now);
  }

  private admit(pod: Pod, now: number): PodSim {
    const node = pod.spec.nodeName!;
    const n = (this.ipCounters.get(node) ?? 1) + 1;
    this.ipCounters.set(node, n);
    const ip = `10.244.${nodeIndex(node)}.${(n % 250) + 2}`;
    const sim: PodSim = { uid: pod.metadata.uid ?? '', node, ip, startTime: nowIso(now), containers: [] };
    for (const spec of pod.spec.containers) {
      const c: ContainerSim = {
        spec, outcome: this.registry.outcome(spec.image), step: 'pulling', due: now, failedPulls: 0, restarts: 0, readyAt: Infinity, pulledImage: false,
      };
      sim.containers.push(c);
      this.beginPull(pod, sim, c, now);
    }
    return sim;
  }

  private beginPull(pod: Pod, sim: PodSim, c: ContainerSim, now: number): void {
    c.outcome = this.registry.outcome(c.spec.image);
    const present = this.imagesOnNode.get(sim.node)?.has(normalizeImage(c.spec.image));
    const policy = (c.spec as { imagePullPolicy?: string }).imagePullPolicy ?? 'IfNotPresent';
    if (present && policy !== 'Always' && c.outcome !== 'missing' && c.outcome !== 'unresolvable') {
      this.containerEvent(pod, sim, c, 'Normal', 'Pulled', `Container image "${c.spec.image}" already present on machine`);
      this.start(pod, sim, c, now);
      return;
    }
    c.step = 'pulling';
    c.due = now + this.registry.pullDelayMs;
    this.containerEvent(pod, sim, c, 'Normal', 'Pulling', `Pulling image "${c.spec.image}"`);
  }

  /**
   * Moves a container one step on when its time has come. One step per pass,
   * so that every state is reported at least once, as the kubelet's status
   * updates show each one.
   */
  private advance(pod: Pod, sim: PodSim, c: ContainerSim, now: number): void {
    if (c.due <= now) {
      const at = c.due;
      switch (c.step) {
        case 'pulling':
          if (c.outcome === 'missing' || c.outcome === 'unresolvable') {
            c.step = 'pullFailed';
            c.due = at + this.rt.scaled(ERR_IMAGE_PULL_S);
            this.containerEvent(pod, sim, c, 'Warning', 'Failed', `Failed to pull image "${c.spec.image}": ${this.registry.pullError(c.spec.image)}`);
            this.containerEvent(pod, sim, c, 'Warning', 'Failed', 'Error: ErrImagePull');
          } else {
            const ms = Math.max(1, Math.round(this.registry.pullDelayMs));
            this.containerEvent(pod, sim, c, 'Normal', 'Pulled',
              `Successfully pulled image "${c.spec.image}" in ${ms}ms (${ms}ms including waiting). Image size: ${this.registry.sizeBytes(c.spec.image)} bytes.`);
            c.pulledImage = true;
            let images = this.imagesOnNode.get(sim.node);
            if (!images) this.imagesOnNode.set(sim.node, (images = new Set()));
            images.add(normalizeImage(c.spec.image));
            this.start(pod, sim, c, at);
          }
          break;
        case 'pullFailed':
          c.step = 'pullBackOff';
          c.due = at + this.rt.scaled(backoffSeconds(c.failedPulls++));
          this.containerEvent(pod, sim, c, 'Normal', 'BackOff', `Back-off pulling image "${c.spec.image}"`);
          this.containerEvent(pod, sim, c, 'Warning', 'Failed', 'Error: ImagePullBackOff');
          break;
        case 'pullBackOff':
          this.beginPull(pod, sim, c, at);
          break;
        case 'running':
          this.exit(pod, sim, c, at);
          break;
        case 'crashBackOff':
          this.beginPull(pod, sim, c, at);
          break;
        case 'exited':
          c.due = Infinity;
          break;
      }
    }
  }

  private start(pod: Pod, sim: PodSim, c: ContainerSim, at: number): void {
    // Until the new instance starts, `kubectl logs` shows the one that exited.
    if (c.restarts > 0) this.logs.restarted(sim.uid, c.spec.name);
    c.step = 'running';
    c.startedAt = at;
    c.containerID = `containerd://${hex64(`${sim.uid}/${c.spec.name}/${c.restarts}`)}`;
    this.containerEvent(pod, sim, c, 'Normal', 'Created', `Created container: ${c.spec.name}`);
    this.containerEvent(pod, sim, c, 'Normal', 'Started', `Started container ${c.spec.name}`);
    const port = c.spec.ports?.[0]?.containerPort ?? 5000;
    for (const line of startupLines(c.spec.image, sim.ip, port)) this.logs.append(sim.uid, c.spec.name, line, at);
    const probeDelay = this.rt.scaled(c.spec.readinessProbe?.initialDelaySeconds ?? 0);
    // A crashing app dies before it could serve: it never counts as Ready.
    c.readyAt = c.outcome === 'neverReady' || c.outcome === 'crash' ? Infinity : at + this.rt.opts.readyDelayMs + probeDelay;
    if (c.outcome === 'neverReady' && c.spec.readinessProbe) {
      this.containerEvent(pod, sim, c, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
    }
    const restartPolicy = pod.spec.restartPolicy ?? 'Always';
    if (c.outcome === 'crash') c.due = at + this.rt.scaled(CRASH_AFTER_S);
    // Serves a while, then dies under traffic: Ready first, then gone.
    else if (c.outcome === 'crashAfterReady') c.due = c.readyAt + this.registry.crashAfterReadyMs;
    else if (restartPolicy !== 'Always') c.due = at + this.rt.scaled(JOB_RUN_S);
    else c.due = Infinity;
  }

  private exit(pod: Pod, sim: PodSim, c: ContainerSim, at: number): void {
    const failed = c.outcome === 'crash' || c.outcome === 'crashAfterReady';
    c.exitCode = failed ? 1 : 0;
    if (c.outcome === 'crash') this.logs.append(sim.uid, c.spec.name, `${c.spec.image}: fatal error, exiting with code 1`, at);
    if (c.outcome === 'crashAfterReady') {
      this.logs.append(sim.uid, c.spec.name, `${c.spec.image}: FATAL: worker ran out of memory while serving requests, exiting with code 1`, at);
    }
    c.last = {
      exitCode: c.exitCode,
      reason: failed ? 'Error' : 'Completed',
      startedAt: nowIso(c.startedAt),
      finishedAt: nowIso(at),
      containerID: c.containerID,
    };
    c.readyAt = Infinity;
    const restartPolicy = pod.spec.restartPolicy ?? 'Always';
    const restarts = restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && failed);
    if (!restarts) {
      c.step = 'exited';
      c.due = Infinity;
      return;
    }
    this.logs.exited(sim.uid, c.spec.name);
    const wait = backoffSeconds(c.restarts);
    c.restarts++;
    c.step = 'crashBackOff';
    c.due = at + this.rt.scaled(wait);
    this.containerEvent(pod, sim, c, 'Warning', 'BackOff',
      `Back-off restarting failed container ${c.spec.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${sim.uid})`);
  }

  /** Graceful termination: stop the containers, wait out the (scaled) grace period, then remove the Pod. */
  private terminate(pod: Pod, sim: PodSim | undefined, now: number): ReconcileResult {
    if (!sim) {
      this.rt.store.delete(this.rt.res('', 'Pod'), pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      return undefined;
    }
    if (sim.killAt === undefined) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      sim.killAt = now + this.rt.scaled(grace);
      for (const c of sim.containers) {
        if (c.step === 'running') this.containerEvent(pod, sim, c, 'Normal', 'Killing', `Stopping container ${c.spec.name}`);
      }
    }
    if (now < sim.killAt) return sim.killAt - now;
    this.rt.store.delete(this.rt.res('', 'Pod'), pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    return undefined;
  }

  private nextWake(sim: PodSim, now: number): ReconcileResult {
    let next = Infinity;
    for (const c of sim.containers) {
      next = Math.min(next, c.due);
      if (c.step === 'running' && c.readyAt > now) next = Math.min(next, c.readyAt);
    }
    return Number.isFinite(next) ? Math.max(1, next - now) : undefined;
  }

  private containerStatus(c: ContainerSim, now: number): ContainerStatus {
    const image = c.pulledImage ? normalizeImage(c.spec.image) : c.spec.image;
    let state: ContainerState;
    switch (c.step) {
      case 'pulling':
        // A retried pull keeps showing the back-off that led to it.
        if (c.failedPulls) state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.spec.image}"` } };
        else if (c.restarts) state = { waiting: { reason: 'CrashLoopBackOff', message: this.crashMessage(c) } };
        else state = { waiting: { reason: 'ContainerCreating' } };
        break;
      case 'pullFailed':
        state = { waiting: { reason: 'ErrImagePull', message: this.registry.pullError(c.spec.image) } };
        break;
      case 'pullBackOff':
        state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.spec.image}"` } };
        break;
      case 'crashBackOff':
        state = { waiting: { reason: 'CrashLoopBackOff', message: this.crashMessage(c) } };
        break;
      case 'running':
        state = { running: { startedAt: nowIso(c.startedAt) } };
        break;
      case 'exited':
        state = { terminated: c.last! };
        break;
    }
    const lastState: ContainerState = c.last && c.step !== 'exited' ? { terminated: c.last } : {};
    return {
      name: c.spec.name,
      image,
      imageID: c.pulledImage ? this.registry.imageID(c.spec.image) : '',
      ...(c.containerID ? { containerID: c.containerID } : {}),
      ready: c.step === 'running' && now >= c.readyAt,
      started: c.step === 'running',
      restartCount: c.restarts,
      state,
      lastState,
    };
  }

  /** Completed with the Pod's identity in writeStatus. */
  private crashMessage(c: ContainerSim): string {
    return `back-off ${goDuration(backoffSeconds(c.restarts - 1))} restarting failed container=${c.spec.name}`;
  }

  private writeStatus(pod: Pod, sim: PodSim, now: number): void {
    const statuses = sim.containers.map((c) => this.containerStatus(c, now));
    for (const s of statuses) {
      const w = s.state.waiting;
      if (w?.reason === 'CrashLoopBackOff') w.message = `${w.message} pod=${pod.metadata.name}_${pod.metadata.namespace}(${sim.uid})`;
    }
    const restartPolicy = pod.spec.restartPolicy ?? 'Always';
    const allExited = sim.containers.every((c) => c.step === 'exited');
    let phase: NonNullable<PodStatus['phase']>;
    if (allExited && restartPolicy !== 'Always') phase = sim.containers.every((c) => c.exitCode === 0) ? 'Succeeded' : 'Failed';
    else if (sim.containers.some((c) => c.startedAt !== undefined)) phase = 'Running';
    else phase = 'Pending';

    const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
    const t = nowIso(now);
    let conditions = pod.status?.conditions;
    const set = (type: string, ok: boolean, reason?: string, message?: string) => {
      conditions = setCondition(conditions, {
        type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t,
        ...(reason ? { reason } : {}), ...(message ? { message } : {}),
      });
    };
    set('PodReadyToStartContainers', phase !== 'Succeeded' && phase !== 'Failed');
    set('Initialized', true, phase === 'Succeeded' ? 'PodCompleted' : undefined);
    const readyReason = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
    const ready = unready.length === 0 && phase === 'Running';
    const unreadyMessage = `containers with unready status: [${unready.join(' ')}]`;
    set('Ready', ready, ready ? undefined : readyReason, ready || readyReason === 'PodCompleted' ? undefined : unreadyMessage);
    set('ContainersReady', ready, ready ? undefined : readyReason, ready || readyReason === 'PodCompleted' ? undefined : unreadyMessage);
    set('PodScheduled', true);
    conditions = orderConditions(conditions ?? []);

    const initStatuses = (pod.spec.initContainers ?? []).map((ic) => ({
      name: ic.name, image: normalizeImage(ic.image), imageID: this.registry.imageID(ic.image),
      containerID: `containerd://${hex64(`${sim.uid}/init/${ic.name}`)}`, ready: true, started: false, restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: sim.startTime, finishedAt: sim.startTime } }, lastState: {},
    }));
    const hostIP = nodeIP(nodeIndex(sim.node));
    const status: PodStatus = {
      ...pod.status,
      phase,
      conditions,
      hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP: sim.ip,
      podIPs: [{ ip: sim.ip }],
      startTime: sim.startTime,
      ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: statuses,
    };
    if (ready) {
      if (!this.rt.readySince.has(sim.uid)) this.rt.readySince.set(sim.uid, now);
    } else {
      this.rt.readySince.delete(sim.uid);
    }
    if (sameJson(pod.status ?? {}, status)) return;
    this.rt.store.update(this.rt.res('', 'Pod'), { ...pod, status }, { ...OPTS, subresource: 'status' });
  }

  private containerEvent(pod: Pod, sim: PodSim, c: ContainerSim, type: EventType, reason: string, message: string): void {
    this.events.record({ component: 'kubelet', host: sim.node, manager: 'kubelet' }, pod, type, reason, message, `spec.containers{${c.spec.name}}`);
  }
}

const CONDITION_ORDER = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];

function orderConditions<T extends { type: string }>(conds: T[]): T[] {
  const rank = (t: string) => {
    const i = CONDITION_ORDER.indexOf(t);
    return i < 0 ? CONDITION_ORDER.length : i;
  };
  return [...conds].sort((a, b) => rank(a.type) - rank(b.type));
}
