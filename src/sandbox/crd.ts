// CustomResourceDefinitions: a CRD that is created starts serving its custom
// resources and reports NamesAccepted, then Established, from which on
// discovery lists them — unless its conversion webhook's caBundle holds no
// certificate, which keeps it from being established, as the apiextensions
// server's establishing controller does. A CRD that is deleted gets the
// customresourcecleanup finalizer (store.delete), deletes its custom
// resources, waits for them to be gone (their own finalizers included), then
// lets the CRD go.
import { X509Certificate } from 'node:crypto';
import { ApiError } from './errors.js';
import { LaterQueue } from './queue.js';
import { customResourceTraits } from './resources.js';
import { CRD_CLEANUP_FINALIZER, setCondition, type Condition, type MemoryStore, type RawEvent } from './store.js';
import type { PrinterColumn } from './tables.js';
import type { KubeObject, ResourceType } from './types.js';

const MANAGER = 'kube-apiserver';
const CR_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: unknown };
  subresources?: { status?: object; scale?: object };
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdSpec {
  conversion?: { strategy?: string; webhook?: { clientConfig?: { caBundle?: string } } };
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first, then the rest by name. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { rank: 3, major: 0, minor: 0 };
    return { rank: m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2, major: Number(m[1]), minor: Number(m[3] ?? 0) };
  };
  const x = parse(a);
  const y = parse(b);
  return x.rank - y.rank || y.major - x.major || y.minor - x.minor || a.localeCompare(b);
}

function crdSpec(crd: KubeObject): CrdSpec {
  return crd.spec as CrdSpec;
}

/** The resource types a CRD serves, preferred version first. */
export function servedTypes(crd: KubeObject): ResourceType[] {
  const spec = crdSpec(crd);
  const names = spec.names;
  return spec.versions
    .filter((v) => v.served !== false)
    .sort((a, b) => compareVersions(a.name, b.name))
    .map((v) => ({
      group: spec.group,
      version: v.name,
      kind: names.kind,
      plural: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      verbs: CR_VERBS,
      subresources: [...(v.subresources?.scale ? ['scale'] : []), ...(v.subresources?.status ? ['status'] : [])],
      listKind: names.listKind ?? `${names.kind}List`,
    }));
}

/** A custom resource version's additionalPrinterColumns; undefined for built-in kinds. */
export function printerColumnsOf(store: MemoryStore, res: ResourceType): PrinterColumn[] | undefined {
  if (!res.group.includes('.') || res.group.endsWith('.k8s.io')) return undefined;
  const crds = store.resourceByPlural('apiextensions.k8s.io', 'customresourcedefinitions');
  const crd = crds && store.getRaw(crds, undefined, `${res.plural}.${res.group}`);
  if (!crd) return undefined;
  return crdSpec(crd).versions.find((v) => v.name === res.version)?.additionalPrinterColumns ?? [];
}

export class CrdController {
  private readonly queue: LaterQueue<string>;
  private readonly unsubscribe: () => void;

  constructor(private readonly store: MemoryStore) {
    this.queue = new LaterQueue((name) => this.reconcile(name));
    const crds = this.crdResource();
    for (const crd of store.listRaw(crds, undefined).items) {
      this.serve(crd);
      this.queue.add(crd.metadata.name!, crd.metadata.name!);
    }
    this.unsubscribe = store.subscribeRaw((ev) => this.observe(ev));
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }

  private crdResource(): ResourceType {
    const r = this.store.resourceByPlural('apiextensions.k8s.io', 'customresourcedefinitions');
    if (!r) throw new Error('customresourcedefinitions are not served');
    return r;
  }

  private observe(ev: RawEvent): void {
    if (ev.resource.group !== 'apiextensions.k8s.io' || ev.resource.plural !== 'customresourcedefinitions') {
      // A custom resource that goes may be what a deleted CRD waits for.
      if (ev.type === 'DELETED' && this.store.registry.terminating(ev.resource)) {
        const name = `${ev.resource.plural}.${ev.resource.group}`;
        this.queue.add(name, name);
      }
      return;
    }
    const crd = ev.object;
    if (ev.type === 'DELETED') {
      const spec = crdSpec(crd);
      this.store.registry.unregister(spec.group, spec.names.plural);
      return;
    }
    // Serving starts with the write, so a client may create custom resources right after the CRD.
    this.serve(crd);
    this.queue.add(crd.metadata.name!, crd.metadata.name!);
  }

  private serve(crd: KubeObject): void {
    const types = servedTypes(crd);
    if (types.length === 0) return;
    const spec = crdSpec(crd);
    const storage = spec.versions.find((v) => v.storage) ?? spec.versions[0]!;
    const traits = customResourceTraits(storage.subresources?.status !== undefined);
    this.store.registry.register(types, traits, storage.name, storage.schema?.openAPIV3Schema, {
      discoverable: conditionTrue(crd, 'Established'),
      terminating: conditionTrue(crd, 'Terminating'),
    });
  }

  private reconcile(name: string): void {
    const crds = this.crdResource();
    const crd = this.store.getRaw(crds, undefined, name);
    if (!crd) return;
    try {
      if (crd.metadata.deletionTimestamp) this.cleanUp(crds, crd);
      else this.establish(crds, crd);
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      this.queue.add(name, name);
    }
  }

  /** The naming and establishing controllers' status: names accepted, then established unless the caBundle is bad. */
  private establish(crds: ResourceType, crd: KubeObject): void {
    const spec = crdSpec(crd);
    const status = (crd.status ?? {}) as { conditions?: Condition[]; storedVersions?: string[] };
    const { plural, singular, kind, listKind, shortNames, categories } = spec.names;
    let conditions = setCondition(status.conditions ?? [], { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    // Once established, a CRD stays so; before, a caBundle without a certificate holds it back.
    if (!conditionTrue(crd, 'Established')) {
      conditions = setCondition(
        conditions,
        caBundleValid(spec)
          ? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }
          : { type: 'Established', status: 'False', reason: 'InvalidCABundle', message: 'The conversion webhook CABundle is invalid' },
      );
    }
    const next = {
      ...status,
      acceptedNames: {
        plural,
        singular: singular ?? kind.toLowerCase(),
        kind,
        listKind: listKind ?? `${kind}List`,
        ...(shortNames ? { shortNames } : {}),
        ...(categories ? { categories } : {}),
      },
      conditions,
      storedVersions: [...new Set([...(status.storedVersions ?? []), (spec.versions.find((v) => v.storage) ?? spec.versions[0]!).name])],
    };
    if (JSON.stringify(next) === JSON.stringify(crd.status)) return;
    this.store.update(crds, { ...crd, status: next }, { subresource: 'status', fieldManager: MANAGER });
  }

  /** The CRD finalizer: delete every custom resource, wait until none is left, then drop the finalizer. */
  private cleanUp(crds: ResourceType, crd: KubeObject): void {
    if (!(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    const spec = crdSpec(crd);
    const status = (crd.status ?? {}) as { conditions?: Condition[] };
    const withCondition = (c: Condition): KubeObject => ({ ...crd, status: { ...status, conditions: setCondition(status.conditions ?? [], c) } });
    const inProgress: Condition = { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' };
    const current = status.conditions?.find((c) => c.type === 'Terminating');
    if (current?.reason !== inProgress.reason) {
      this.store.update(crds, withCondition(inProgress), { subresource: 'status', fieldManager: MANAGER });
      return; // the update's event brings it back
    }
    let done: Condition;
    const served = this.store.resourceByPlural(spec.group, spec.names.plural);
    if (conditionTrue(crd, 'Established') && served) {
      const left = [...this.store.objectsOf(spec.group, spec.names.plural)];
      for (const o of left) {
        if (o.metadata.deletionTimestamp) continue;
        try {
          this.store.delete(served, o.metadata.namespace, o.metadata.name!, { propagationPolicy: 'Background' });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
      if ([...this.store.objectsOf(spec.group, spec.names.plural)].length > 0) return; // their deletions bring it back
      done = { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' };
    } else {
      done = { type: 'Terminating', status: 'False', reason: 'NeverEstablished', message: 'resource was never established' };
    }
    const finished = this.store.update(crds, withCondition(done), { subresource: 'status', fieldManager: MANAGER });
    const finalizers = (finished.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    this.store.update(crds, { ...finished, metadata: { ...finished.metadata, finalizers } }, { fieldManager: MANAGER });
  }
}

function conditionTrue(crd: KubeObject, type: string): boolean {
  return ((crd.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/**
 * A conversion webhook's caBundle must be empty (the system's roots) or hold
 * at least one PEM certificate that parses, as a client's TLS config needs.
 */
function caBundleValid(spec: CrdSpec): boolean {
  const bundle = spec.conversion?.webhook?.clientConfig?.caBundle;
  if (!bundle) return true;
  const pem = Buffer.from(bundle, 'base64').toString('latin1');
  const blocks = pem.matchAll(/-----BEGIN ([^\n-]+)-----\r?\n([\s\S]*?)-----END \1-----/g);
  for (const [, type, body = ''] of blocks) {
    if (type !== 'CERTIFICATE' || body.includes(':')) continue;
    try {
      new X509Certificate(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
      return true;
    } catch {
      // Not a certificate: the next block may be one.
    }
  }
  return false;
}
