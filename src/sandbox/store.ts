// The object store: what etcd plus the generic registry are to a real API
// server. One global resourceVersion counter orders every change; writes run
// defaulting, validation and the registry rules (generation, status
// subresource, finalizers, graceful deletion) and are then delivered to
// subscribers in resourceVersion order and kept in a bounded history that
// watches resume from.
import { randomUUID } from 'node:crypto';
import { recordUpdate, schemaFor, type TypeSchema } from './patch/index.js';
import { applyDefaults, initialStatus, pruneAndDefault, ServiceAllocator, type StructuralSchema } from './defaults.js';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  forbidden,
  invalid,
  methodNotSupported,
  namespaceNotFound,
  notFound,
  qualifiedResource,
  staleResourceVersion,
  tooOldResourceVersion,
  type FieldError,
} from './errors.js';
import { apiVersionOf, ResourceRegistry, storageKey, type ResourceTraits } from './resources.js';
import { typedRoundTrip } from './omitempty.js';
import { checkSelectableFields, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { StoreSnapshot } from './state.js';
import { prepareForCreate, prepareForStatusUpdate, prepareForUpdate, statusWriteTakesMetadata, type StrategyKind } from './strategy.js';
import type { DeleteOptions, KubeObject, ListOptions, ResourceType, Store, StoreEvent, WatchEventType, WriteOptions } from './types.js';
import { QuantityError } from './quantity.js';
import { canonicalizeQuantities, dropEmptyCollections, messageOf } from './typed-storage.js';
import { IMMUTABILITY_FIRST, validateCustomResource, validateImmutable, validateObject, type ValueSchema } from './validation.js';

/** A committed change as kept in the history: the stored object itself, not a copy. */
export interface RawEvent {
  type: WatchEventType;
  resource: ResourceType;
  object: KubeObject;
  old?: KubeObject;
  rv: number;
}

export interface InternalWriteOptions extends WriteOptions {
  /** The caller computed metadata.managedFields itself (server-side apply). */
  managedFieldsComputed?: boolean;
}

export interface StoreOptions {
  /** How many past events watches can resume from (default 10000). */
  historySize?: number;
}

export const FINALIZER_FOREGROUND = 'foregroundDeletion';
export const FINALIZER_ORPHAN = 'orphan';
/** The namespace lifecycle's spec.finalizers entry. */
export const NAMESPACE_FINALIZER = 'kubernetes';
/** What a CRD carries from its deletion until its custom resources are gone. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** Sets one condition in `conditions` as the API helpers do: the transition time moves only when the status does. */
export function setCondition(conditions: Condition[], next: Condition, now = nowTimestamp()): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const merged = { ...next, lastTransitionTime: old && old.status === next.status ? (old.lastTransitionTime ?? now) : now };
  return old ? conditions.map((c) => (c === old ? merged : c)) : [...conditions, merged];
}
export const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function nowTimestamp(at = Date.now()): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return s;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** A write that leaves managedFields out keeps the stored ones. */
function keepManagedFields(next: KubeObject, existing: KubeObject): void {
  if (next.metadata.managedFields === undefined && existing.metadata.managedFields) next.metadata.managedFields = clone(existing.metadata.managedFields);
}

/** True when a write would store nothing new; managedFields timestamps alone do not count. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const norm = (o: KubeObject) => {
    const { resourceVersion: _rv, managedFields, ...meta } = o.metadata;
    const mf = managedFields?.map(({ time: _t, ...e }) => e);
    return JSON.stringify({ ...o, metadata: { ...meta, managedFields: mf } });
  };
  return norm(a) === norm(b);
}

function deletionLifecycle(res: ResourceType): 'namespace' | 'crd' | undefined {
  if (res.group === '' && res.kind === 'Namespace') return 'namespace';
  if (res.group === 'apiextensions.k8s.io' && res.kind === 'CustomResourceDefinition') return 'crd';
  return undefined;
}

/** Finalizers that block removal: metadata.finalizers, and a Namespace's spec.finalizers. */
function pendingFinalizers(o: KubeObject): number {
  const specFinalizers = o.kind === 'Namespace' ? ((o.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
  return (o.metadata.finalizers?.length ?? 0) + specFinalizers.length;
}

/** A Secret's stringData is write-only: its values land in data (base64), overriding keys there. */
function foldStringData(o: KubeObject): void {
  const stringData = o.stringData;
  if (stringData !== null && typeof stringData === 'object' && !Array.isArray(stringData)) {
    const entries = Object.entries(stringData as Record<string, unknown>);
    if (entries.length > 0) {
      const data = { ...(o.data as Record<string, string> | undefined) };
      for (const [k, v] of entries) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      o.data = data;
    }
  }
  delete o.stringData;
}

function podQosClass(pod: KubeObject): string {
  const containers = ((pod.spec as { containers?: { resources?: { limits?: object; requests?: object } }[] })?.containers ?? []);
  const any = containers.some((c) => Object.keys(c.resources?.limits ?? {}).length + Object.keys(c.resources?.requests ?? {}).length > 0);
  if (!any) return 'BestEffort';
  const guaranteed = containers.every((c) => {
    const l = c.resources?.limits as Record<string, string> | undefined;
    const r = { ...l, ...(c.resources?.requests as Record<string, string> | undefined) };
    return !!l && !!l.cpu && !!l.memory && r.cpu === l.cpu && r.memory === l.memory;
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** A fixed-size ring of the most recent events. */
class EventHistory {
  private readonly ring: (RawEvent | undefined)[];
  private next = 0;
  private count = 0;
  /** The newest resourceVersion no longer in the ring (0 while nothing was dropped). */
  compactedRv = 0;

  constructor(size: number) {
    this.ring = new Array<RawEvent | undefined>(Math.max(1, size));
  }

  push(ev: RawEvent): void {
    const dropped = this.ring[this.next];
    if (dropped) this.compactedRv = dropped.rv;
    this.ring[this.next] = ev;
    this.next = (this.next + 1) % this.ring.length;
    this.count = Math.min(this.count + 1, this.ring.length);
  }

  /** Events after `rv`, oldest first; undefined when some of them were already dropped. */
  since(rv: number): RawEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    const out: RawEvent[] = [];
    for (let i = 0; i < this.count; i++) {
      const ev = this.ring[(this.next - this.count + i + this.ring.length) % this.ring.length]!;
      if (ev.rv > rv) out.push(ev);
    }
    return out;
  }
}

type Bucket = Map<string, KubeObject>;

export class MemoryStore implements Store {
  readonly registry = new ResourceRegistry();
  readonly services = new ServiceAllocator();
  /** storage key (group/plural) -> namespace ('' when cluster-scoped) -> name -> object */
  private readonly data = new Map<string, Map<string, Bucket>>();
  private readonly uids = new Map<string, { key: string; namespace: string; name: string }>();
  private rv = 0;
  private readonly history: EventHistory;
  private readonly listeners = new Set<(ev: StoreEvent) => void>();
  private readonly rawListeners = new Set<(ev: RawEvent) => void>();
  private readonly queue: RawEvent[] = [];
  private delivering = false;

  constructor(opts: StoreOptions = {}) {
    this.history = new EventHistory(opts.historySize ?? 10000);
  }

  // ---- resources ----

  resourceFor(group: string, kind: string): ResourceType | undefined {
    return this.registry.forKind(group, kind);
  }

  resourceByPlural(group: string, plural: string): ResourceType | undefined {
    return this.registry.byPlural(group, plural);
  }

  allResources(): ResourceType[] {
    return this.registry.all();
  }

  traits(res: ResourceType): ResourceTraits {
    return this.registry.traits(res);
  }

  schema(res: ResourceType): TypeSchema {
    const crdSchema = this.registry.customSchema(res);
    if (crdSchema === undefined) return schemaFor(res.group, res.kind);
    // Only the CRD says whether its kind has a status subresource; apply must
    // then leave .status alone on the main resource.
    return schemaFor(res.group, res.kind, crdSchema, { statusSubresource: this.traits(res).statusSubresource });
  }

  resourceVersion(): string {
    return String(this.rv);
  }

  // ---- reads ----

  get(res: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.getRaw(res, namespace, name);
    return o && this.view(res, o);
  }

  /** The stored object itself: never mutate it. */
  getRaw(res: Pick<ResourceType, 'group' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.data.get(storageKey(res))?.get(res.namespaced ? (namespace ?? '') : '')?.get(name);
  }

  getByUid(uid: string): { res: ResourceType; object: KubeObject } | undefined {
    const loc = this.uids.get(uid);
    if (!loc) return undefined;
    const [group = '', plural = ''] = splitKey(loc.key);
    const res = this.registry.byPlural(group, plural);
    const object = this.data.get(loc.key)?.get(loc.namespace)?.get(loc.name);
    return res && object ? { res, object } : undefined;
  }

  list(res: ResourceType, namespace: string | undefined, opts: ListOptions = {}): { items: KubeObject[]; resourceVersion: string } {
    const { items, resourceVersion } = this.listRaw(res, namespace, opts);
    return { items: items.map((o) => this.view(res, o)), resourceVersion };
  }

  /** Stored objects (never mutate them) sorted by namespace and name, as etcd returns keys. */
  listRaw(res: ResourceType, namespace: string | undefined, opts: ListOptions = {}): { items: KubeObject[]; resourceVersion: string } {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector);
    checkSelectableFields(res.kind, fields);
    const byNs = this.data.get(storageKey(res));
    const buckets: [string, Bucket][] = [];
    if (byNs) {
      if (res.namespaced && namespace) {
        const b = byNs.get(namespace);
        if (b) buckets.push([namespace, b]);
      } else buckets.push(...byNs);
    }
    buckets.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const items: KubeObject[] = [];
    for (const [, bucket] of buckets) {
      const names = [...bucket.keys()].sort();
      for (const n of names) {
        const o = bucket.get(n)!;
        if (labels.length && !matchesLabels(labels, o.metadata.labels)) continue;
        if (fields.length && !matchesFields(fields, o)) continue;
        items.push(o);
      }
    }
    return { items, resourceVersion: String(this.rv) };
  }

  /** A copy of a stored object as `res`'s version shows it. */
  view(res: ResourceType, o: KubeObject): KubeObject {
    const c = clone(o);
    c.apiVersion = apiVersionOf(res);
    return c;
  }

  // ---- subscriptions and history ----

  subscribe(listener: (ev: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Like subscribe, without copies: for the watch server, which only serializes. */
  subscribeRaw(listener: (ev: RawEvent) => void): () => void {
    this.rawListeners.add(listener);
    return () => this.rawListeners.delete(listener);
  }

  /** Events after resourceVersion `rv`; throws 410 Expired when the history no longer reaches back that far. */
  eventsSince(rv: string): RawEvent[] {
    const n = Number(rv);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
    const evs = this.history.since(n);
    if (!evs) throw tooOldResourceVersion(rv, String(this.history.compactedRv + 1));
    return evs;
  }

  private emit(type: WatchEventType, res: ResourceType, object: KubeObject, old?: KubeObject): void {
    const ev: RawEvent = { type, resource: res, object, rv: this.rv, ...(old ? { old } : {}) };
    this.history.push(ev);
    this.queue.push(ev);
    if (this.delivering) return; // a listener wrote: delivered after the current event, in order
    this.delivering = true;
    try {
      while (this.queue.length > 0) {
        const next = this.queue.shift()!;
        for (const l of [...this.rawListeners]) this.safely(() => l(next));
        for (const l of [...this.listeners]) {
          this.safely(() =>
            l({ type: next.type, resource: next.resource, object: clone(next.object), ...(next.old ? { old: clone(next.old) } : {}) }),
          );
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      process.emitWarning(`store listener failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }

  // ---- writes ----

  private bucket(key: string, namespace: string, create: boolean): Bucket | undefined {
    let byNs = this.data.get(key);
    if (!byNs) {
      if (!create) return undefined;
      byNs = new Map();
      this.data.set(key, byNs);
    }
    let b = byNs.get(namespace);
    if (!b && create) {
      b = new Map();
      byNs.set(namespace, b);
    }
    return b;
  }

  private put(res: ResourceType, o: KubeObject): void {
    const ns = res.namespaced ? (o.metadata.namespace ?? '') : '';
    this.bucket(storageKey(res), ns, true)!.set(o.metadata.name!, o);
    if (o.metadata.uid) this.uids.set(o.metadata.uid, { key: storageKey(res), namespace: ns, name: o.metadata.name! });
  }

  private remove(res: ResourceType, o: KubeObject): void {
    const ns = res.namespaced ? (o.metadata.namespace ?? '') : '';
    const byNs = this.data.get(storageKey(res));
    const b = byNs?.get(ns);
    b?.delete(o.metadata.name!);
    if (b && b.size === 0) byNs!.delete(ns);
    if (o.metadata.uid) this.uids.delete(o.metadata.uid);
  }

  private checkNamespace(res: ResourceType, namespace: string | undefined, name: string, forCreate: boolean): void {
    if (!res.namespaced) return;
    if (!namespace) throw badRequest('the server could not find the requested resource: a namespace is required');
    const ns = this.getRaw({ group: '', plural: 'namespaces', namespaced: false }, undefined, namespace);
    if (!ns) throw namespaceNotFound(namespace);
    if (forCreate && ns.metadata.deletionTimestamp) {
      const message = `unable to create new content in namespace ${namespace} because it is being terminated`;
      throw forbidden(`${qualifiedResource(res)} "${name}" is forbidden: ${message}`, {
        name,
        ...(res.group ? { group: res.group } : {}),
        kind: res.plural,
        causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
      });
    }
  }

  /** Sets apiVersion/kind/namespace from where the object is written, or refuses a mismatch as the server does. */
  private normalizeIdentity(res: ResourceType, o: KubeObject, namespace: string | undefined): void {
    const want = apiVersionOf({ group: res.group, version: this.registry.storageVersion(res) ?? res.version });
    if (o.kind && o.kind !== res.kind) throw badRequest(`the kind in the data (${o.kind}) does not match the expected kind (${res.kind})`);
    o.apiVersion = want;
    o.kind = res.kind;
    if (!o.metadata || typeof o.metadata !== 'object') o.metadata = {};
    if (res.namespaced) o.metadata.namespace = namespace;
    else delete o.metadata.namespace;
  }

  /**
   * Decodes as the kind's Go type would (canonical quantities, a Secret's
   * stringData folded into data), defaults, validates (the built-in rules, or
   * a custom resource's schema after pruning what it does not declare), then
   * drops what storage would not keep.
   */
  private admit(res: ResourceType, o: KubeObject, old?: KubeObject): void {
    const schema = this.registry.customSchema(res);
    const message = schema === undefined ? messageOf(res.group, this.registry.storageVersion(res) ?? res.version, res.kind) : undefined;
    if (message) {
      try {
        canonicalizeQuantities(o, message);
      } catch (err) {
        if (!(err instanceof QuantityError)) throw err;
        throw badRequest(`${res.kind} in version "${res.version}" cannot be handled as a ${res.kind}: ${err.message}`);
      }
    }
    if (res.group === '' && res.kind === 'Secret') foldStringData(o);
    applyDefaults(res.group, o, { ...(old ? { old } : {}), services: this.services });
    if (schema) pruneAndDefault(o, schema as StructuralSchema);
    else typedRoundTrip(res.group, o);
    const traits = this.traits(res);
    const errs: FieldError[] = validateObject({ group: res.group, nameRule: traits.nameRule, namespaced: res.namespaced }, o);
    if (schema) errs.push(...validateCustomResource(o, schema as ValueSchema));
    if (old) {
      const updateErrs = validateImmutable(res.group, o, old);
      if (IMMUTABILITY_FIRST.has(`${res.group}/${res.kind}`)) errs.unshift(...updateErrs);
      else errs.push(...updateErrs);
    }
    if (errs.length) throw invalid(res, o.metadata.name ?? '', errs);
    if (message) dropEmptyCollections(o, message);
  }

  private recordManagedFields(res: ResourceType, before: KubeObject | undefined, after: KubeObject, opts: InternalWriteOptions, now: string): KubeObject {
    if (opts.managedFieldsComputed || !opts.fieldManager) return after;
    return recordUpdate({
      before,
      after,
      manager: opts.fieldManager,
      operation: 'Update',
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      apiVersion: apiVersionOf(res),
      schema: this.schema(res),
      now,
    });
  }

  create(res: ResourceType, input: KubeObject, opts: InternalWriteOptions = {}): KubeObject {
    const o = clone(input);
    const namespace = res.namespaced ? (o.metadata?.namespace ?? undefined) : undefined;
    this.normalizeIdentity(res, o, namespace);
    const m = o.metadata;
    if (!m.name && m.generateName) m.name = `${m.generateName}${randomSuffix()}`;
    if (m.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    if (this.registry.terminating(res)) {
      const err = methodNotSupported(res, 'create');
      err.status.message = 'create not allowed while custom resource definition is terminating';
      throw err;
    }
    this.checkNamespace(res, namespace, m.name ?? '', true);
    const traits = this.traits(res);
    if (traits.resetStatusOnCreate) {
      // Built-in kinds start from their zero status; a custom resource has no
      // struct to zero, so the server drops what the request sent.
      if (this.registry.customSchema(res) === undefined) o.status = initialStatus(res.group, res.kind);
      else delete o.status;
    }
    if (res.group === '' && res.kind === 'Pod') (o.status as Record<string, unknown>).qosClass = podQosClass(o);
    const now = nowTimestamp();
    m.uid = randomUUID();
    m.creationTimestamp = now;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    prepareForCreate(this.strategyKind(res), o);
    this.admit(res, o);
    if (m.name && this.getRaw(res, namespace, m.name)) throw alreadyExists(res, m.name);
    let stored = this.recordManagedFields(res, undefined, o, opts, now);
    if (opts.dryRun) return this.view(res, stored);
    this.rv++;
    stored = { ...stored, metadata: { ...stored.metadata, resourceVersion: String(this.rv) } };
    this.put(res, stored);
    this.emit('ADDED', res, stored);
    return this.view(res, stored);
  }

  update(res: ResourceType, input: KubeObject, opts: InternalWriteOptions = {}): KubeObject {
    const namespace = res.namespaced ? input.metadata?.namespace : undefined;
    const name = input.metadata?.name ?? '';
    if (!name) throw badRequest('name is required');
    const existing = this.getRaw(res, namespace, name);
    if (!existing) {
      if (this.traits(res).allowCreateOnUpdate && !opts.subresource) {
        const fresh = clone(input);
        delete fresh.metadata.resourceVersion;
        return this.create(res, fresh, opts);
      }
      throw notFound(res, name);
    }
    const rv = input.metadata.resourceVersion;
    if (rv && rv !== existing.metadata.resourceVersion) throw staleResourceVersion(res, name);
    if (input.metadata.uid && input.metadata.uid !== existing.metadata.uid) {
      throw conflict(res, name, `Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${existing.metadata.uid}`);
    }
    const next = this.nextVersion(res, existing, input, opts.subresource);
    if (next.metadata.deletionTimestamp) {
      const added = (next.metadata.finalizers ?? []).filter((f) => !(existing.metadata.finalizers ?? []).includes(f));
      if (added.length) {
        throw invalid(res, name, [{ type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: 'Forbidden: no new finalizers can be added if the object is being deleted' }]);
      }
    }
    this.admit(res, next, existing);
    // The scale subresource writes the main resource through its strategy; /status and /finalize never move generation.
    if (!opts.subresource || opts.subresource === 'scale') prepareForUpdate(this.strategyKind(res), existing, next);
    const now = nowTimestamp();
    const recorded = this.recordManagedFields(res, existing, next, opts, now);
    if (sameContent(existing, recorded)) return this.view(res, existing);
    if (opts.dryRun) return this.view(res, recorded);
    this.rv++;
    const stored: KubeObject = { ...recorded, metadata: { ...recorded.metadata, resourceVersion: String(this.rv) } };
    this.put(res, stored);
    this.emit('MODIFIED', res, stored, existing);
    if (stored.metadata.deletionTimestamp && pendingFinalizers(stored) === 0 && !stored.metadata.deletionGracePeriodSeconds) {
      return this.removeNow(res, stored);
    }
    return this.view(res, stored);
  }

  private strategyKind(res: ResourceType): StrategyKind {
    return { group: res.group, kind: res.kind, custom: this.registry.customSchema(res) !== undefined, generation: this.traits(res).generation };
  }

  /** The object an update stores, before defaulting: what the subresource lets the caller change, over what is there. */
  private nextVersion(res: ResourceType, existing: KubeObject, input: KubeObject, subresource: string | undefined): KubeObject {
    const traits = this.traits(res);
    const kind = this.strategyKind(res);
    let next: KubeObject;
    if (subresource === 'status') {
      next = clone(existing);
      if (statusWriteTakesMetadata(kind)) {
        // The request's metadata too; everything else stays as stored, in the stored order.
        const identity = clone(input);
        this.normalizeIdentity(res, identity, existing.metadata.namespace);
        next.metadata = identity.metadata;
        keepManagedFields(next, existing);
        prepareForStatusUpdate(kind, existing, next);
      }
      if (input.status === undefined) delete next.status;
      else next.status = clone(input.status);
    } else if (subresource === 'finalize') {
      next = clone(existing);
      const finalizers = (input.spec as { finalizers?: string[] } | undefined)?.finalizers;
      next.spec = { ...(next.spec as object), finalizers: finalizers ?? [] };
    } else {
      next = clone(input);
      this.normalizeIdentity(res, next, existing.metadata.namespace);
      if (traits.statusSubresource) {
        if (existing.status === undefined) delete next.status;
        else next.status = clone(existing.status);
      }
      keepManagedFields(next, existing);
    }
    const m = next.metadata;
    const e = existing.metadata;
    m.uid = e.uid;
    m.creationTimestamp = e.creationTimestamp;
    m.resourceVersion = e.resourceVersion;
    if (e.generation !== undefined) m.generation = e.generation;
    else delete m.generation;
    if (e.deletionTimestamp) m.deletionTimestamp = e.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (e.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = e.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    delete m.generateName;
    if (e.generateName) m.generateName = e.generateName;
    if (m.finalizers?.length === 0) delete m.finalizers;
    return next;
  }

  private removeNow(res: ResourceType, o: KubeObject): KubeObject {
    this.rv++;
    const gone: KubeObject = { ...o, metadata: { ...o.metadata, resourceVersion: String(this.rv) } };
    this.remove(res, o);
    this.emit('DELETED', res, gone, o);
    return this.view(res, gone);
  }

  delete(res: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KubeObject {
    const existing = this.getRaw(res, namespace, name);
    if (!existing) throw notFound(res, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== existing.metadata.uid) {
      throw conflict(res, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(res, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`);
    }
    if (res.group === '' && res.kind === 'Namespace') {
      if (IMMORTAL_NAMESPACES.has(name)) {
        throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
      }
      if (existing.metadata.deletionTimestamp && pendingFinalizers(existing) > 0) {
        throw conflict(res, name, 'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.');
      }
    }
    const next = clone(existing);
    const m = next.metadata;
    const finalizers = new Set(m.finalizers ?? []);
    const policy = opts.propagationPolicy;
    if (policy === 'Foreground') {
      finalizers.delete(FINALIZER_ORPHAN);
      finalizers.add(FINALIZER_FOREGROUND);
    } else if (policy === 'Orphan') {
      finalizers.delete(FINALIZER_FOREGROUND);
      finalizers.add(FINALIZER_ORPHAN);
    } else if (policy === 'Background') {
      finalizers.delete(FINALIZER_FOREGROUND);
      finalizers.delete(FINALIZER_ORPHAN);
    }
    if (finalizers.size) m.finalizers = [...finalizers];
    else delete m.finalizers;
    const grace = this.gracePeriod(res, existing, opts.gracePeriodSeconds);
    if (existing.metadata.deletionTimestamp) {
      // Already terminating: a shorter grace period or a new policy may still apply.
      const shorter = grace < (existing.metadata.deletionGracePeriodSeconds ?? 0);
      if (shorter) {
        m.deletionGracePeriodSeconds = grace;
        m.deletionTimestamp = nowTimestamp(Date.now() + grace * 1000);
      }
      if (pendingFinalizers(next) === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0) {
        return opts.dryRun ? this.view(res, next) : this.removeNow(res, next);
      }
      if (sameContent(existing, next) || opts.dryRun) return this.view(res, next);
      return this.commitModified(res, next, existing);
    }
    const lifecycle = deletionLifecycle(res);
    if (lifecycle) {
      // Namespaces and CRDs go through their registry's own first delete: a
      // timestamp, no grace period, then their controller's finalizer.
      m.deletionTimestamp = nowTimestamp();
      if (lifecycle === 'namespace') next.status = { ...(next.status as object), phase: 'Terminating' };
      else {
        m.finalizers = [...new Set([...(m.finalizers ?? []), CRD_CLEANUP_FINALIZER])];
        const status = (next.status ?? {}) as { conditions?: Condition[] };
        next.status = {
          ...status,
          conditions: setCondition(status.conditions ?? [], {
            type: 'Terminating',
            status: 'True',
            reason: 'InstanceDeletionPending',
            message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
          }),
        };
      }
      return opts.dryRun ? this.view(res, next) : this.commitModified(res, next, existing);
    }
    if (pendingFinalizers(next) === 0 && grace === 0) {
      return opts.dryRun ? this.view(res, next) : this.removeNow(res, existing);
    }
    m.deletionTimestamp = nowTimestamp(Date.now() + grace * 1000);
    m.deletionGracePeriodSeconds = grace;
    if (m.generation !== undefined && m.generation > 0) m.generation++;
    if (opts.dryRun) return this.view(res, next);
    return this.commitModified(res, next, existing);
  }

  private commitModified(res: ResourceType, next: KubeObject, existing: KubeObject): KubeObject {
    this.rv++;
    next.metadata.resourceVersion = String(this.rv);
    this.put(res, next);
    this.emit('MODIFIED', res, next, existing);
    return this.view(res, next);
  }

  /** Pods on a node terminate gracefully; everything else, and unscheduled or finished Pods, go at once. */
  private gracePeriod(res: ResourceType, o: KubeObject, requested: number | undefined): number {
    if (!(res.group === '' && res.kind === 'Pod')) return 0;
    const spec = (o.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (o.status as { phase?: string } | undefined)?.phase;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const g = requested ?? spec.terminationGracePeriodSeconds ?? 30;
    // A negative request means "the default"; a zero one from a client means 1 unless forced.
    return Math.max(0, g < 0 ? (spec.terminationGracePeriodSeconds ?? 30) : g);
  }

  /** Deletes every object `opts` selects; returns what was deleted or marked for deletion. */
  deleteCollection(res: ResourceType, namespace: string | undefined, list: ListOptions, opts: DeleteOptions = {}): KubeObject[] {
    const { items } = this.listRaw(res, namespace, list);
    const out: KubeObject[] = [];
    for (const o of items) {
      try {
        out.push(this.delete(res, o.metadata.namespace, o.metadata.name!, opts));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return out;
  }

  // ---- persistence ----

  snapshot(): StoreSnapshot {
    const objects: StoreSnapshot['objects'] = [];
    for (const [key, byNs] of this.data) {
      const [group = '', plural = ''] = splitKey(key);
      for (const bucket of byNs.values()) for (const o of bucket.values()) objects.push({ resource: { group, plural }, object: clone(o) });
    }
    return { resourceVersion: String(this.rv), objects };
  }

  /** Loads a snapshot into an empty store; later writes get resourceVersions above it. Emits nothing. */
  restore(snap: StoreSnapshot): void {
    for (const { resource, object } of snap.objects) {
      const ns = object.metadata.namespace ?? '';
      const key = storageKey(resource);
      this.bucket(key, ns, true)!.set(object.metadata.name!, clone(object));
      if (object.metadata.uid) this.uids.set(object.metadata.uid, { key, namespace: ns, name: object.metadata.name! });
      if (resource.group === '' && resource.plural === 'services') {
        const spec = (object.spec ?? {}) as { clusterIP?: string; ports?: { nodePort?: number }[] };
        this.services.reserve(spec.clusterIP, (spec.ports ?? []).flatMap((p) => (p.nodePort ? [p.nodePort] : [])));
      }
    }
    this.rv = Math.max(this.rv, Number(snap.resourceVersion) || 0);
    this.history.compactedRv = this.rv;
  }

  /** Namespaced objects of every resource in `namespace` (for the namespace lifecycle). */
  *objectsInNamespace(namespace: string): Generator<{ res: ResourceType; object: KubeObject }> {
    for (const [key, byNs] of this.data) {
      const bucket = byNs.get(namespace);
      if (!bucket) continue;
      const [group = '', plural = ''] = splitKey(key);
      const res = this.registry.byPlural(group, plural);
      if (!res?.namespaced) continue;
      for (const object of [...bucket.values()]) yield { res, object };
    }
  }

  /** Objects stored under group/plural, in every namespace, whether or not the resource is still served. */
  *objectsOf(group: string, plural: string): Generator<KubeObject> {
    for (const bucket of this.data.get(`${group}/${plural}`)?.values() ?? []) yield* [...bucket.values()];
  }
}

function splitKey(key: string): [string, string] {
  const i = key.lastIndexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
