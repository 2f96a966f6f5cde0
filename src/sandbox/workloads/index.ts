// Contract between the API layer and the simulated cluster (controllers,
// kubelet, image registry, service proxy, logs, fault injection).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store, StoreEvent } from '../types.js';
import { adminEndpoint } from './admin.js';
import { DaemonSetController } from './daemonset.js';
import { DeploymentController } from './deployment/controller.js';
import { EndpointsController } from './endpoints.js';
import { EventRecorder } from './events.js';
import { Faults } from './faults.js';
import { JobController } from './job.js';
import { Kubelet } from './kubelet.js';
import { LogBook } from './logbook.js';
import { podLogs } from './logs.js';
import { ensureNodes } from './nodes.js';
import { serviceProxy } from './proxy.js';
import { ImageRegistry } from './registry.js';
import { ReplicaSetController } from './replicaset.js';
import { Runtime } from './runtime.js';
import { Scheduler } from './scheduler.js';
import { StatefulSetController } from './statefulset.js';

export type { DelayRule, FailRule } from './faults.js';
export type { ImageBehaviour, ImageRules } from './registry.js';

export interface WorkloadOptions {
  /** Simulated Ready nodes (default 1). */
  nodes?: number;
  /** Delay before a started container counts as Ready (default 300 ms; 0 for benchmarks). */
  readyDelayMs?: number;
  /** Multiplies every Kubernetes duration in seconds (probes, grace periods, deadlines) into real time (default 0.01). */
  timeFactor?: number;
  /** Image rules file (format in registry.ts). */
  imagesFile?: string;
}

/**
 * HTTP middleware: return true when the request was fully handled. Runs before
 * the API router, so it can serve extra paths (service proxy, logs, admin
 * endpoint) or delay / fail requests on purpose.
 */
export type Middleware = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface ApiServerHandle {
  /** Adds a middleware; later ones run after earlier ones. */
  use(mw: Middleware): void;
  /** Closes every open watch connection (clients see the stream end). */
  cutWatches(): number;
}

export interface ImageHooks {
  /** Makes images matching `pattern` (`*` wildcards) behave so from their next pull; `ok` undoes a rule. */
  setRule(pattern: string, behaviour: 'ok' | 'missing' | 'crash' | 'crashAfterReady' | 'neverReady'): void;
  clearRules(): void;
  /** How long every pull takes from now on. */
  setPullDelay(ms: number): void;
  /** How long a container of a `crashAfterReady` image is Ready before it exits, from its next start on. */
  setCrashAfterReady(ms: number): void;
}

export interface Workloads {
  /** Freezes every controller and kubelet (the API keeps serving); resume() picks up where they stopped. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  faults: Faults;
  images: ImageHooks;
  /** Resolves when every controller has handled what is queued now (timers not included). */
  settled(): Promise<void>;
  /** Background errors the controllers hit (not conflicts): empty in a healthy run. */
  errors(): readonly unknown[];
}

export function startWorkloads(store: Store, server: ApiServerHandle, opts: WorkloadOptions): Workloads {
  const rt = new Runtime(store, {
    nodes: opts.nodes ?? 1,
    readyDelayMs: opts.readyDelayMs ?? 300,
    timeFactor: opts.timeFactor ?? 0.01,
  });
  const registry = opts.imagesFile ? ImageRegistry.fromFile(opts.imagesFile) : new ImageRegistry();
  const events = new EventRecorder(rt);
  const logs = new LogBook();
  const kubelet = new Kubelet(rt, events, registry, logs);
  const components: { onEvent(ev: StoreEvent): void }[] = [
    // ReplicaSets first: a Deployment then reads statuses that already count the latest Pod changes.
    new ReplicaSetController(rt, events),
    new DeploymentController(rt, events),
    new StatefulSetController(rt, events),
    new DaemonSetController(rt, events),
    new JobController(rt, events),
    new Scheduler(rt, events),
    kubelet,
    new EndpointsController(rt),
  ];
  const unsubscribe = store.subscribe((ev) => {
    rt.cache.apply(ev);
    for (const c of components) c.onEvent(ev);
  });
  ensureNodes(rt);
  // Objects that exist already (a restored store) are looked at once, as informers list first.
  for (const res of store.allResources()) {
    if (!['Deployment', 'ReplicaSet', 'Pod', 'StatefulSet', 'DaemonSet', 'Job', 'Service'].includes(res.kind)) continue;
    for (const object of store.list(res, undefined).items) {
      for (const c of components) c.onEvent({ type: 'ADDED', resource: res, object });
    }
  }

  const faults = new Faults(server);
  const hooks = {
    faults,
    images: registry,
    imagesChanged: () => kubelet.resyncAll(),
    pause: () => rt.pause(),
    resume: () => rt.resume(),
  };
  server.use(faults.middleware);
  server.use(adminEndpoint(hooks));
  server.use(serviceProxy(rt, logs));
  server.use(podLogs(rt, logs));

  return {
    pause: () => rt.pause(),
    resume: () => rt.resume(),
    async stop() {
      unsubscribe();
      rt.stop();
    },
    faults,
    images: {
      setRule: (pattern, behaviour) => {
        registry.setRule(pattern, behaviour);
        kubelet.resyncAll();
      },
      clearRules: () => {
        registry.clearRules();
        kubelet.resyncAll();
      },
      setPullDelay: (ms) => {
        registry.pullDelayMs = ms;
      },
      setCrashAfterReady: (ms) => {
        registry.crashAfterReadyMs = ms;
      },
    },
    settled: () => rt.idle(),
    errors: () => rt.errors.map((e) => e.error),
  };
}

/**
 * The hooks of a sandbox that runs no simulated cluster: faults still work
 * (they act on the HTTP layer), everything else does nothing.
 */
export function inertWorkloads(server: ApiServerHandle): Workloads {
  const faults = new Faults(server);
  server.use(faults.middleware);
  return {
    pause() {},
    resume() {},
    async stop() {},
    faults,
    images: { setRule() {}, clearRules() {}, setPullDelay() {}, setCrashAfterReady() {} },
    settled: () => Promise.resolve(),
    errors: () => [],
  };
}
