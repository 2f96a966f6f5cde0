// A list+watch cache of one kind of object in one namespace: the informer
// pattern of client-go, reduced to what the rollout watcher needs. A watch that
// ends is resumed from the last resourceVersion seen; a 410 Gone (that version
// is no longer in the server's history) makes it list again.
import type { Kube, KubeObject, TypeRef, WatchEvent } from '../kube/types.js';
import { isGone } from '../kube/errors.js';
import { backoffMs, sleep, type Backoff } from '../kube/retry.js';

export type InformerClient = Pick<Kube, 'list' | 'watch'>;

export interface InformerOptions {
  type: TypeRef;
  namespace: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Called after every change to the cache, with the object as it now is (or was, when deleted). */
  onChange: (obj: KubeObject, deleted: boolean) => void;
  /** Reports errors the informer retries after (lost connection, failed list). */
  onRetry?: (err: unknown) => void;
  /** How long a stream may stay silent before it is taken for dead (default: two bookmark periods). */
  silentStreamMs?: number;
}

// Re-establishing a watch that ended after a healthy while costs nothing;
// anything else (a refused request, a 410, a stream that ends at once) waits
// first, doubling up to a ceiling, so a failing server is not hammered. The
// wait is jittered so that the informers of one rollout do not come back in
// step. client-go's reflector backs off the same way.
const RETRY: Backoff = { baseMs: 100, maxMs: 3000, maxRetryAfterMs: 0 };
const HEALTHY_STREAM_MS = 1000;

// A connection can die without a word (a NAT or load balancer dropping it):
// no event and no end ever come. Like client-go's reflector, each watch asks
// the server to end it after a random 5 to 10 minutes, and on top of that a
// stream silent for longer than two bookmark periods (the API server sends
// one about every minute when asked) is dropped and watched again.
const MIN_WATCH_TIMEOUT_S = 300;
const SILENT_STREAM_MS = 2 * 60_000;

export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private resourceVersion: string | undefined;
  private readonly synced: Promise<void>;
  private markSynced!: () => void;
  /** Times the informer had to list again after a 410 Gone, and watches re-established. */
  relists = 0;
  resumes = 0;

  constructor(
    private readonly kube: InformerClient,
    private readonly opts: InformerOptions,
  ) {
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
  }

  objects(): KubeObject[] {
    return [...this.cache.values()];
  }

  get(name: string): KubeObject | undefined {
    return this.cache.get(name);
  }

  /** Resolves once the first list is in the cache. */
  whenSynced(): Promise<void> {
    return this.synced;
  }

  /** Runs until `signal` aborts; never rejects for that reason. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let healthy = false;
      try {
        if (this.resourceVersion === undefined) await this.list(signal);
        // Listing may have been all the caller needed: it stops us from a change handler.
        if (signal.aborted) return;
        healthy = await this.watchOnce(signal);
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) this.forgetVersion();
        else this.opts.onRetry?.(err);
      }
      failures = healthy ? 0 : failures + 1;
      if (failures > 0) await sleep(backoffMs(RETRY, failures, undefined), signal).catch(() => {});
    }
  }

  /** The version we hold is no longer in the server's history: only a fresh list helps. */
  private forgetVersion(): void {
    this.resourceVersion = undefined;
    this.relists++;
  }

  private async list(signal: AbortSignal): Promise<void> {
    const { type, namespace, labelSelector, fieldSelector } = this.opts;
    const list = await this.kube.list(type, namespace, { labelSelector, fieldSelector, signal });
    const seen = new Set<string>();
    for (const item of list.items) {
      const obj = withKind(item, type);
      const name = obj.metadata.name ?? '';
      seen.add(name);
      const before = this.cache.get(name);
      this.cache.set(name, obj);
      if (before?.metadata.resourceVersion !== obj.metadata.resourceVersion) this.opts.onChange(obj, false);
    }
    // Deletions that happened while the watch was gone show up only as absence.
    for (const [name, obj] of this.cache) {
      if (seen.has(name)) continue;
      this.cache.delete(name);
      this.opts.onChange(obj, true);
    }
    this.resourceVersion = list.resourceVersion;
    this.markSynced();
  }

  /** One watch request. Returns whether it looked healthy, so a failing server gets backed off. */
  private async watchOnce(signal: AbortSignal): Promise<boolean> {
    const { type, namespace, labelSelector, fieldSelector } = this.opts;
    // Our own handle on the stream, to drop it when it reports an error.
    const stream = new AbortController();
    let progressed = false;
    const started = Date.now();
    let silence: NodeJS.Timeout | undefined;
    const listen = (): void => {
      clearTimeout(silence);
      silence = setTimeout(() => stream.abort(), this.opts.silentStreamMs ?? SILENT_STREAM_MS);
      silence.unref();
    };
    listen();
    const timeoutSeconds = Math.round(MIN_WATCH_TIMEOUT_S * (1 + Math.random()));
    try {
      await this.kube.watch(
        type,
        namespace,
        { resourceVersion: this.resourceVersion, allowBookmarks: true, labelSelector, fieldSelector, timeoutSeconds },
        (ev) => {
          listen();
          if (this.handle(ev)) progressed = true;
          else stream.abort();
        },
        AbortSignal.any([signal, stream.signal]),
      );
    } finally {
      clearTimeout(silence);
    }
    if (!signal.aborted && this.resourceVersion !== undefined) this.resumes++;
    // A quiet stream that lived a while is healthy too; only instant endings are suspect.
    return progressed || Date.now() - started > HEALTHY_STREAM_MS;
  }

  /** Applies one event; false means this stream is unusable and must be replaced. */
  private handle(ev: WatchEvent): boolean {
    if (ev.type === 'ERROR') {
      const code = (ev.object as { code?: number }).code;
      // 410 Gone, or an "expired" answer from an older server: only a fresh list helps.
      if (code === 410 || code === undefined || code >= 400) this.forgetVersion();
      return false;
    }
    const obj = withKind(ev.object, this.opts.type);
    const rv = obj.metadata.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (ev.type === 'BOOKMARK') return true;
    const name = obj.metadata.name ?? '';
    if (ev.type === 'DELETED') {
      this.cache.delete(name);
      this.opts.onChange(obj, true);
    } else {
      this.cache.set(name, obj);
      this.opts.onChange(obj, false);
    }
    return true;
  }
}

// List items come without apiVersion/kind; the checks dispatch on kind.
function withKind(obj: KubeObject, type: TypeRef): KubeObject {
  if (obj.kind && obj.apiVersion) return obj;
  return { ...obj, apiVersion: type.apiVersion, kind: type.kind };
}
