// Watch streams: newline-delimited JSON watch events, resumable from a
// resourceVersion out of the store's history. Like the apiserver's watch
// cache, a selector turns an object that stops (or starts) matching into a
// DELETED (or ADDED) event, and a too old resourceVersion gets one ERROR event
// carrying 410 Expired.
import type { ServerResponse } from 'node:http';
import { ApiError, type Status } from '../errors.js';
import { storageKey } from '../resources.js';
import {
  checkSelectableFields,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldRequirement,
  type LabelSelector,
} from '../selectors.js';
import type { MemoryStore, RawEvent } from '../store.js';
import type { KubeObject, ResourceType } from '../types.js';

export interface WatchParams {
  res: ResourceType;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds?: number;
  /** Renders an object for the wire (plain object, Table row, partial metadata). */
  render: (o: KubeObject) => unknown;
  /**
   * Watches with the same key render an object identically, so its JSON is
   * made once per change rather than once per watch.
   */
  shareKey?: string;
  /** How often to send a BOOKMARK when bookmarks are allowed. */
  bookmarkIntervalMs: number;
}

type WireType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

class Filter {
  private readonly labels: LabelSelector;
  private readonly fields: FieldRequirement[];
  private readonly key: string;

  constructor(private readonly p: WatchParams) {
    this.labels = parseLabelSelector(p.labelSelector);
    this.fields = parseFieldSelector(p.fieldSelector);
    checkSelectableFields(p.res.kind, this.fields);
    this.key = storageKey(p.res);
  }

  matches(o: KubeObject | undefined): boolean {
    if (!o) return false;
    if (this.p.res.namespaced && this.p.namespace && o.metadata.namespace !== this.p.namespace) return false;
    if (this.labels.length && !matchesLabels(this.labels, o.metadata.labels)) return false;
    return this.fields.length === 0 || matchesFields(this.fields, o);
  }

  /** The event this watch sees for a store change, if any. */
  translate(ev: RawEvent): { type: WireType; object: KubeObject } | undefined {
    if (storageKey(ev.resource) !== this.key) return undefined;
    const now = this.matches(ev.object);
    switch (ev.type) {
      case 'ADDED':
        return now ? { type: 'ADDED', object: ev.object } : undefined;
      case 'DELETED':
        return this.matches(ev.old ?? ev.object) ? { type: 'DELETED', object: ev.object } : undefined;
      case 'MODIFIED': {
        const before = this.matches(ev.old);
        if (now && before) return { type: 'MODIFIED', object: ev.object };
        if (now) return { type: 'ADDED', object: ev.object };
        if (before) return { type: 'DELETED', object: ev.object };
        return undefined;
      }
    }
  }
}

export class WatchHub {
  private readonly open = new Set<ServerResponse>();
  /** stored object -> share key -> its JSON; objects are immutable once stored, so this never goes stale. */
  private readonly rendered = new WeakMap<KubeObject, Map<string, string>>();

  constructor(private readonly store: MemoryStore) {}

  get size(): number {
    return this.open.size;
  }

  /** Ends every open watch; returns how many there were. */
  cutAll(): number {
    const n = this.open.size;
    for (const res of [...this.open]) res.end();
    this.open.clear();
    return n;
  }

  /** Validates the request (throwing an ApiError before anything is sent), then streams. */
  serve(http: ServerResponse, p: WatchParams): void {
    const filter = new Filter(p);
    const rv = p.resourceVersion;
    // No resourceVersion (or "0") means: the current state as ADDED events, then changes.
    const initial = p.sendInitialEvents || rv === undefined || rv === '' || rv === '0';
    const fromHistory = !initial;
    let backlog: RawEvent[] = [];
    let expired: Status | undefined;
    if (fromHistory) {
      try {
        backlog = this.store.eventsSince(rv!);
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 410) throw err;
        expired = err.status;
      }
    }
    http.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    http.flushHeaders();
    const send = (type: WireType, object: unknown) => {
      if (!http.writableEnded) http.write(`${JSON.stringify({ type, object })}\n`);
    };
    if (expired) {
      send('ERROR', expired);
      http.end();
      return;
    }
    const emit = (e: { type: WireType; object: KubeObject }) => {
      if (http.writableEnded) return;
      http.write(`{"type":"${e.type}","object":${this.json(e.object, p)}}\n`);
    };
    if (initial) {
      const { items } = this.store.listRaw(p.res, p.namespace, { labelSelector: p.labelSelector, fieldSelector: p.fieldSelector });
      for (const o of items) emit({ type: 'ADDED', object: o });
    }
    for (const ev of backlog) {
      const t = filter.translate(ev);
      if (t) emit(t);
    }
    const bookmark = (annotations?: Record<string, string>) =>
      send('BOOKMARK', {
        kind: p.res.kind,
        apiVersion: p.res.group ? `${p.res.group}/${p.res.version}` : p.res.version,
        metadata: { resourceVersion: this.store.resourceVersion(), creationTimestamp: null, ...(annotations ? { annotations } : {}) },
      });
    if (p.sendInitialEvents && p.allowBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    const unsubscribe = this.store.subscribeRaw((ev) => {
      const t = filter.translate(ev);
      if (t) emit(t);
    });
    this.open.add(http);
    const timers: NodeJS.Timeout[] = [];
    if (p.allowBookmarks) timers.push(setInterval(() => bookmark(), p.bookmarkIntervalMs));
    if (p.timeoutSeconds !== undefined && p.timeoutSeconds > 0) timers.push(setTimeout(() => http.end(), p.timeoutSeconds * 1000));
    const cleanup = () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      this.open.delete(http);
    };
    http.on('close', cleanup);
    http.on('finish', cleanup);
    // A client gone before the stream began (a delayed request whose connection a
    // restart dropped) will never emit 'close' again: clean up now, or the
    // bookmark timer and the store subscription leak.
    if (http.destroyed || http.socket?.destroyed) cleanup();
  }

  private json(o: KubeObject, p: WatchParams): string {
    if (p.shareKey === undefined) return JSON.stringify(p.render(o));
    let byKey = this.rendered.get(o);
    if (!byKey) {
      byKey = new Map();
      this.rendered.set(o, byKey);
    }
    let text = byKey.get(p.shareKey);
    if (text === undefined) {
      text = JSON.stringify(p.render(o));
      byKey.set(p.shareKey, text);
    }
    return text;
  }
}
