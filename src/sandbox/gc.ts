// The garbage collector: deletes dependents whose owners are gone
// (background), deletes dependents before their owner when the owner carries
// the foregroundDeletion finalizer, and strips owner references before
// letting an owner with the orphan finalizer go — the three propagation
// policies of a DELETE, as kube-controller-manager's garbagecollector does.
import { ApiError } from './errors.js';
import { LaterQueue } from './queue.js';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, type MemoryStore, type RawEvent } from './store.js';
import type { KubeObject, OwnerReference, ResourceType } from './types.js';

const MANAGER = 'kube-controller-manager';

type Work = { kind: 'owner'; uid: string } | { kind: 'dependent'; uid: string };

function tolerate(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    // The object changed or went away meanwhile: the next event brings it back here.
    if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
  }
}

export class GarbageCollector {
  /** owner uid -> dependent uids */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue: LaterQueue<Work>;
  private readonly unsubscribe: () => void;

  constructor(private readonly store: MemoryStore) {
    this.queue = new LaterQueue((w) => (w.kind === 'owner' ? this.reconcileOwner(w.uid) : this.reconcileDependent(w.uid)));
    for (const res of store.registry.preferredTypes()) {
      for (const o of store.listRaw(res, undefined).items) this.index(o, undefined);
    }
    this.unsubscribe = store.subscribeRaw((ev) => this.observe(ev));
    for (const [ownerUid, deps] of this.dependents) {
      this.queue.add(`owner:${ownerUid}`, { kind: 'owner', uid: ownerUid });
      for (const d of deps) this.queue.add(`dependent:${d}`, { kind: 'dependent', uid: d });
    }
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }

  private index(o: KubeObject | undefined, old: KubeObject | undefined): void {
    const uid = (o ?? old)?.metadata.uid;
    if (!uid) return;
    for (const ref of old?.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(uid);
    for (const ref of o?.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) {
        set = new Set();
        this.dependents.set(ref.uid, set);
      }
      set.add(uid);
    }
  }

  private observe(ev: RawEvent): void {
    const o = ev.object;
    const uid = o.metadata.uid;
    if (!uid) return;
    if (ev.type === 'DELETED') {
      this.index(undefined, o);
      if (this.dependents.has(uid)) this.queue.add(`owner:${uid}`, { kind: 'owner', uid });
      // An owner waiting in the foreground for its dependents may now go.
      for (const ref of o.metadata.ownerReferences ?? []) this.queue.add(`owner:${ref.uid}`, { kind: 'owner', uid: ref.uid });
      return;
    }
    this.index(o, ev.old);
    if (o.metadata.ownerReferences?.length) this.queue.add(`dependent:${uid}`, { kind: 'dependent', uid });
    const finalizers = o.metadata.finalizers ?? [];
    if (o.metadata.deletionTimestamp && (finalizers.includes(FINALIZER_FOREGROUND) || finalizers.includes(FINALIZER_ORPHAN))) {
      this.queue.add(`owner:${uid}`, { kind: 'owner', uid });
    }
  }

  private liveDependents(ownerUid: string): { res: ResourceType; object: KubeObject }[] {
    const out: { res: ResourceType; object: KubeObject }[] = [];
    for (const d of this.dependents.get(ownerUid) ?? []) {
      const found = this.store.getByUid(d);
      if (found) out.push(found);
    }
    return out;
  }

  private reconcileOwner(uid: string): void {
    const owner = this.store.getByUid(uid);
    if (!owner) {
      for (const d of this.liveDependents(uid)) this.queue.add(`dependent:${d.object.metadata.uid}`, { kind: 'dependent', uid: d.object.metadata.uid! });
      if (!this.dependents.get(uid)?.size) this.dependents.delete(uid);
      return;
    }
    const m = owner.object.metadata;
    if (!m.deletionTimestamp) return;
    const finalizers = m.finalizers ?? [];
    if (finalizers.includes(FINALIZER_ORPHAN)) {
      for (const d of this.liveDependents(uid)) this.dropOwnerRefs(d.res, d.object, new Set([uid]));
      this.removeFinalizer(owner.res, owner.object, FINALIZER_ORPHAN);
      return;
    }
    if (finalizers.includes(FINALIZER_FOREGROUND)) {
      const deps = this.liveDependents(uid);
      for (const d of deps) {
        if (d.object.metadata.deletionTimestamp) continue;
        const hasOwn = (this.dependents.get(d.object.metadata.uid!)?.size ?? 0) > 0;
        tolerate(() => this.store.delete(d.res, d.object.metadata.namespace, d.object.metadata.name!, { propagationPolicy: hasOwn ? 'Foreground' : 'Background' }));
      }
      if (this.liveDependents(uid).length === 0) this.removeFinalizer(owner.res, this.store.getByUid(uid)?.object ?? owner.object, FINALIZER_FOREGROUND);
    }
  }

  /** A dependent none of whose owners exist goes; references to the missing ones are dropped otherwise. */
  private reconcileDependent(uid: string): void {
    const dep = this.store.getByUid(uid);
    if (!dep) return;
    const refs = dep.object.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const missing = new Set<string>();
    for (const ref of refs) if (!this.ownerExists(ref, dep.object)) missing.add(ref.uid);
    if (missing.size === 0) return;
    if (missing.size === refs.length) {
      if (dep.object.metadata.deletionTimestamp) return;
      tolerate(() => this.store.delete(dep.res, dep.object.metadata.namespace, dep.object.metadata.name!, { propagationPolicy: 'Background' }));
    } else {
      this.dropOwnerRefs(dep.res, dep.object, missing);
    }
  }

  private ownerExists(ref: OwnerReference, dependent: KubeObject): boolean {
    const owner = this.store.getByUid(ref.uid);
    if (!owner) return false;
    // A namespaced owner only counts in its dependent's namespace.
    return !owner.res.namespaced || owner.object.metadata.namespace === dependent.metadata.namespace;
  }

  private dropOwnerRefs(res: ResourceType, o: KubeObject, uids: Set<string>): void {
    const refs = (o.metadata.ownerReferences ?? []).filter((r) => !uids.has(r.uid));
    const next: KubeObject = { ...o, metadata: { ...o.metadata, ownerReferences: refs } };
    if (refs.length === 0) delete next.metadata.ownerReferences;
    tolerate(() => this.store.update(res, next, { fieldManager: MANAGER }));
  }

  private removeFinalizer(res: ResourceType, o: KubeObject, finalizer: string): void {
    const finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    const next: KubeObject = { ...o, metadata: { ...o.metadata, finalizers } };
    tolerate(() => this.store.update(res, next, { fieldManager: MANAGER }));
  }
}
