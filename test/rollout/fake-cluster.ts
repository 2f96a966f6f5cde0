// A tiny in-memory list/watch server for unit tests of the watcher: enough of
// the API's semantics (resourceVersion, watch from a version, 410 Gone after
// compaction, streams that end) to exercise reconnects without a sandbox.
import type { KubeObject, ListOptions, ObjectList, TypeRef, WatchEvent, WatchOptions } from '../../src/kube/types.js';

interface Stored {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

interface Watcher {
  kind: string;
  namespace: string;
  fieldName?: string;
  onEvent: (ev: WatchEvent) => void;
  end: () => void;
}

export class FakeCluster {
  private rv = 0;
  private readonly objects = new Map<string, KubeObject>();
  private history: Stored[] = [];
  /** Versions at or below this are compacted away: watching from them gets 410. */
  private compactedTo = 0;
  private readonly watchers = new Set<Watcher>();
  lists = 0;
  watches = 0;

  put(obj: KubeObject): KubeObject {
    const key = this.key(obj.kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, stored);
    this.publish({ rv: this.rv, type, object: stored });
    return stored;
  }

  remove(kind: string, namespace: string, name: string): void {
    const key = this.key(kind, namespace, name);
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    const gone = structuredClone(obj);
    gone.metadata.resourceVersion = String(++this.rv);
    this.publish({ rv: this.rv, type: 'DELETED', object: gone });
  }

  /** Ends every open watch, as an API server restart or a proxy timeout does. */
  cutWatches(): number {
    const n = this.watchers.size;
    for (const w of [...this.watchers]) w.end();
    return n;
  }

  /** Forgets history up to now: a watch resuming from an older version gets 410 Gone. */
  compact(): void {
    this.compactedTo = this.rv;
    this.history = [];
  }

  async list(type: TypeRef, namespace: string | undefined, opts: ListOptions = {}): Promise<ObjectList> {
    this.lists++;
    const items = [...this.objects.values()].filter((o) => this.matches(o, type.kind, namespace ?? '', fieldName(opts.fieldSelector)));
    // List items carry no kind, as from a real server.
    return { items: items.map((o) => ({ ...structuredClone(o), kind: '', apiVersion: '' })), resourceVersion: String(this.rv) };
  }

  watch(type: TypeRef, namespace: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    this.watches++;
    return new Promise((resolve) => {
      const from = Number(opts.resourceVersion ?? this.rv);
      const w: Watcher = { kind: type.kind, namespace: namespace ?? '', fieldName: fieldName(opts.fieldSelector), onEvent, end: () => finish() };
      const finish = () => {
        this.watchers.delete(w);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      if (signal.aborted) return finish();
      signal.addEventListener('abort', finish, { once: true });
      if (from < this.compactedTo) {
        queueMicrotask(() => {
          onEvent({ type: 'ERROR', object: { apiVersion: 'v1', kind: 'Status', metadata: {}, code: 410, reason: 'Expired' } as KubeObject });
          finish();
        });
        return;
      }
      this.watchers.add(w);
      for (const ev of this.history) if (ev.rv > from) this.deliver(w, ev);
    });
  }

  private publish(ev: Stored): void {
    this.history.push(ev);
    for (const w of [...this.watchers]) this.deliver(w, ev);
  }

  private deliver(w: Watcher, ev: Stored): void {
    if (!this.matches(ev.object, w.kind, w.namespace, w.fieldName)) return;
    w.onEvent({ type: ev.type, object: structuredClone(ev.object) });
  }

  private matches(o: KubeObject, kind: string, namespace: string, name: string | undefined): boolean {
    return o.kind === kind && (namespace === '' || o.metadata.namespace === namespace) && (name === undefined || o.metadata.name === name);
  }

  private key(kind: string, namespace: string, name: string): string {
    return `${kind}/${namespace}/${name}`;
  }
}

function fieldName(sel: string | undefined): string | undefined {
  const m = /metadata\.name=([^,]+)/.exec(sel ?? '');
  return m?.[1];
}
