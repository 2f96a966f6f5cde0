// The loop every simulated component runs on: a de-duplicating work queue of
// object keys, delayed re-checks, and one pause switch for the whole cluster.
// Components never write from inside a store event: they enqueue a key and
// reconcile it on a later turn, as informer-driven controllers do.
import { ApiError } from '../errors.js';
import type { KubeObject, ResourceType, Store, StoreEvent } from '../types.js';

/** Milliseconds until the key wants another look, or undefined when it is settled. */
export type ReconcileResult = number | undefined;
export type Reconcile = (key: string) => ReconcileResult;

export interface RuntimeOptions {
  readyDelayMs: number;
  timeFactor: number;
  nodes: number;
}

/** How many keys one turn handles before yielding to HTTP traffic. */
const BATCH = 100;
/** Retry delay after a write lost a race (409) or met a vanished object (404). */
const RETRY_MS = 5;
/** Retry delays after any other error: doubling from the first to the last. */
const ERROR_BACKOFF_MS = 100;
const MAX_ERROR_BACKOFF_MS = 10_000;

export function apiStatusCode(err: unknown): number | undefined {
  return err instanceof ApiError ? err.code : undefined;
}

/** Kinds the components read; everything else (Events) is read from the store when needed. */
export const CACHED_KINDS: readonly (readonly [group: string, kind: string])[] = [
  ['apps', 'Deployment'],
  ['apps', 'ReplicaSet'],
  ['apps', 'StatefulSet'],
  ['apps', 'DaemonSet'],
  ['apps', 'ControllerRevision'],
  ['batch', 'Job'],
  ['', 'Pod'],
  ['', 'Node'],
  ['', 'Service'],
];

/**
 * What the informers of a controller manager hold: every object of the cached
 * kinds as the last event left it. Reads cost no copies, so callers must never
 * mutate what they get; they copy before they change and write.
 */
export class ObjectCache {
  private readonly objects = new Map<string, Map<string, KubeObject>>();

  constructor(store: Store) {
    for (const [group, kind] of CACHED_KINDS) {
      const res = store.resourceFor(group, kind);
      if (!res) continue;
      const m = new Map<string, KubeObject>();
      for (const o of store.list(res, undefined).items) m.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
      this.objects.set(`${group}/${kind}`, m);
    }
  }

  apply(ev: StoreEvent): void {
    const m = this.objects.get(`${ev.resource.group}/${ev.resource.kind}`);
    if (!m) return;
    const key = `${ev.object.metadata.namespace ?? ''}/${ev.object.metadata.name}`;
    if (ev.type === 'DELETED') m.delete(key);
    else m.set(key, ev.object);
  }

  get<T extends KubeObject>(group: string, kind: string, namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(`${group}/${kind}`)?.get(`${namespace ?? ''}/${name}`) as T | undefined;
  }

  /** Objects of a kind, in one namespace or all. */
  list<T extends KubeObject>(group: string, kind: string, namespace?: string): T[] {
    const all = [...(this.objects.get(`${group}/${kind}`)?.values() ?? [])] as T[];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }
}

export class Runtime {
  readonly errors: { component: string; key: string; error: unknown }[] = [];
  /**
   * Pod uid -> when its Ready condition turned True, in milliseconds. The wire
   * format keeps seconds, too coarse for scaled minReadySeconds, so the kubelet
   * shares the exact instant here.
   */
  readonly readySince = new Map<string, number>();
  private readonly handlers = new Map<string, Reconcile>();
  private readonly queue = new Map<string, [component: string, key: string]>();
  private readonly timers = new Map<string, { at: number; handle: NodeJS.Timeout }>();
  /** Consecutive failures per queued key, for the retry back-off. */
  private readonly failures = new Map<string, number>();
  private readonly resources = new Map<string, ResourceType>();
  private readonly idleWaiters: (() => void)[] = [];
  private scheduled = false;
  private paused = false;
  private stopped = false;

  readonly cache: ObjectCache;

  constructor(
    readonly store: Store,
    readonly opts: RuntimeOptions,
  ) {
    this.cache = new ObjectCache(store);
  }

  register(component: string, reconcile: Reconcile): void {
    this.handlers.set(component, reconcile);
  }

  enqueue(component: string, key: string): void {
    if (this.stopped) return;
    const id = `${component}\0${key}`;
    if (!this.queue.has(id)) this.queue.set(id, [component, key]);
    this.schedule();
  }

  /** Enqueues after `ms`; an earlier pending re-check for the same key wins. */
  enqueueAfter(component: string, key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.enqueue(component, key);
    const id = `${component}\0${key}`;
    const at = Date.now() + ms;
    const pending = this.timers.get(id);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.handle);
    const handle = setTimeout(() => {
      this.timers.delete(id);
      this.enqueue(component, key);
    }, ms);
    handle.unref();
    this.timers.set(id, { at, handle });
  }

  /** A Kubernetes duration in seconds, in real milliseconds. */
  scaled(seconds: number): number {
    return seconds * 1000 * this.opts.timeFactor;
  }

  res(group: string, kind: string): ResourceType {
    const id = `${group}/${kind}`;
    let r = this.resources.get(id);
    if (!r) {
      r = this.store.resourceFor(group, kind);
      if (!r) throw new Error(`the sandbox does not serve ${kind}${group ? '.' + group : ''}`);
      this.resources.set(id, r);
    }
    return r;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /** Resolves once the queue is empty (pending timers aside). */
  idle(): Promise<void> {
    if (this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.handle);
    this.timers.clear();
    this.queue.clear();
    this.failures.clear();
    this.flushIdle();
  }

  private schedule(): void {
    if (this.scheduled || this.paused || this.stopped || this.queue.size === 0) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    let n = 0;
    for (const [id, [component, key]] of this.queue) {
      if (this.paused || this.stopped || n++ >= BATCH) break;
      this.queue.delete(id);
      const reconcile = this.handlers.get(component);
      if (!reconcile) continue;
      try {
        const after = reconcile(key);
        this.failures.delete(id);
        if (after !== undefined) this.enqueueAfter(component, key, after);
      } catch (error) {
        const code = apiStatusCode(error);
        if (code === 409 || code === 404) {
          this.enqueueAfter(component, key, RETRY_MS);
          continue;
        }
        this.errors.push({ component, key, error });
        if (this.errors.length > 50) this.errors.shift();
        // Like a rate-limited work queue: a key that keeps failing is retried ever more slowly.
        const failed = this.failures.get(id) ?? 0;
        this.failures.set(id, failed + 1);
        this.enqueueAfter(component, key, Math.min(ERROR_BACKOFF_MS * 2 ** failed, MAX_ERROR_BACKOFF_MS));
      }
    }
    if (this.queue.size === 0) this.flushIdle();
    this.schedule();
  }

  private flushIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
