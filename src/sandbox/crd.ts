// CustomResourceDefinitions: a CRD that is created starts serving its custom
// resources (discovery, storage, watches) and reports NamesAccepted and
// Established; a CRD that is deleted deletes its custom resources first
// (customresourcecleanup finalizer) and stops serving them.
import { ApiError } from './errors.js';
import { LaterQueue } from './queue.js';
import { customResourceTraits } from './resources.js';
import { nowTimestamp, type MemoryStore, type RawEvent } from './store.js';
import type { PrinterColumn } from './tables.js';
import type { KubeObject, ResourceType } from './types.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
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
    if (ev.resource.group !== 'apiextensions.k8s.io' || ev.resource.plural !== 'customresourcedefinitions') return;
    const crd = ev.object;
    if (ev.type === 'DELETED') {
      const spec = crdSpec(crd);
      this.store.registry.unregister(spec.group, spec.names.plural);
      return;
    }
    // Serving starts with the write, so a client may create custom resources right after the CRD.
    if (!crd.metadata.deletionTimestamp) this.serve(crd);
    this.queue.add(crd.metadata.name!, crd.metadata.name!);
  }

  private serve(crd: KubeObject): void {
    const types = servedTypes(crd);
    if (types.length === 0) return;
    const spec = crdSpec(crd);
    const storage = spec.versions.find((v) => v.storage) ?? spec.versions[0]!;
    const traits = customResourceTraits(storage.subresources?.status !== undefined);
    this.store.registry.register(types, traits, storage.name, storage.schema?.openAPIV3Schema);
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

  private establish(crds: ResourceType, crd: KubeObject): void {
    const finalizers = crd.metadata.finalizers ?? [];
    if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) {
      this.store.update(crds, { ...crd, metadata: { ...crd.metadata, finalizers: [...finalizers, CRD_CLEANUP_FINALIZER] } }, { fieldManager: MANAGER });
      return; // the update's event brings it back for its status
    }
    const spec = crdSpec(crd);
    const status = (crd.status ?? {}) as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
    const since = (type: string) => status.conditions?.find((c) => c.type === type && c.status === 'True')?.lastTransitionTime ?? nowTimestamp();
    const { plural, singular, kind, listKind, shortNames, categories } = spec.names;
    const next = {
      acceptedNames: {
        plural,
        singular: singular ?? kind.toLowerCase(),
        kind,
        listKind: listKind ?? `${kind}List`,
        ...(shortNames ? { shortNames } : {}),
        ...(categories ? { categories } : {}),
      },
      conditions: [
        { type: 'NamesAccepted', status: 'True', lastTransitionTime: since('NamesAccepted'), reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'True', lastTransitionTime: since('Established'), reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ],
      storedVersions: [...new Set([...((crd.status as { storedVersions?: string[] } | undefined)?.storedVersions ?? []), (spec.versions.find((v) => v.storage) ?? spec.versions[0]!).name])],
    };
    if (JSON.stringify(next) === JSON.stringify(crd.status)) return;
    this.store.update(crds, { ...crd, status: next }, { subresource: 'status', fieldManager: MANAGER });
  }

  private cleanUp(crds: ResourceType, crd: KubeObject): void {
    const spec = crdSpec(crd);
    const served = this.store.resourceByPlural(spec.group, spec.names.plural);
    if (served) this.store.dropStorage(served);
    this.store.registry.unregister(spec.group, spec.names.plural);
    const finalizers = (crd.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    if (finalizers.length === (crd.metadata.finalizers ?? []).length) return;
    this.store.update(crds, { ...crd, metadata: { ...crd.metadata, finalizers } }, { fieldManager: MANAGER });
  }
}
