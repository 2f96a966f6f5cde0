// An in-memory stand-in for the Kube adapter, for engine tests that check
// orchestration (what is written, in which order) rather than API fidelity;
// fidelity is tested against the sandbox.
import { KubeError } from '../../src/kube/errors.js';
import type { ApplyOptions, DeleteOptions, Kube, KubeObject, ObjectRef, ResourceMapping, TypeRef } from '../../src/kube/types.js';

const BUILTIN: ResourceMapping[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, subresources: [] },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, subresources: [] },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, subresources: [] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, subresources: ['status', 'scale'] },
  { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, subresources: [] },
];

const key = (r: { apiVersion: string; kind: string; namespace?: string; name: string }) => `${r.apiVersion.split('/').length > 1 ? r.apiVersion.split('/')[0] : ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

export class FakeKube implements Kube {
  readonly context = 'fake';
  readonly server = 'https://fake';
  readonly namespace = 'default';
  readonly namespaceExplicit = false;
  readonly objects = new Map<string, KubeObject>();
  /** Every write that was not a dry run: 'apply Kind/ns/name', 'delete ...'. */
  readonly writes: string[] = [];
  private mappings = [...BUILTIN];
  private rv = 1;

  constructor() {
    this.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceMapping> {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const m = this.mappings.find((x) => x.group === group && x.kind === kind);
    if (!m) throw new KubeError({ code: 404, reason: 'NotFound', message: `no matches for kind "${kind}" in version "${apiVersion}"` });
    return m;
  }
  async resolveKind(group: string, kind: string): Promise<ResourceMapping> {
    const m = this.mappings.find((x) => x.group === group && x.kind === kind);
    if (!m) throw new KubeError({ code: 404, reason: 'NotFound', message: `no matches for kind "${kind}" in group "${group}"` });
    return m;
  }
  async resourceTypes(): Promise<ResourceMapping[]> {
    return this.mappings.map((m) => ({ ...m, verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] }));
  }
  invalidate(): void {}
  async get(ref: ObjectRef): Promise<KubeObject> {
    const o = await this.find(ref);
    if (!o) throw new KubeError({ code: 404, reason: 'NotFound', message: `${ref.kind} "${ref.name}" not found` });
    return o;
  }
  async find(ref: ObjectRef): Promise<KubeObject | undefined> {
    const o = this.objects.get(key(ref));
    return o && structuredClone(o);
  }
  async list(type: TypeRef, namespace: string | undefined) {
    const items = [...this.objects.values()].filter((o) => o.kind === type.kind && (!namespace || o.metadata.namespace === namespace));
    return { items: structuredClone(items), resourceVersion: String(this.rv) };
  }
  async apply(obj: KubeObject, opts: ApplyOptions = {}): Promise<KubeObject> {
    const m = await this.resolve(obj.apiVersion, obj.kind);
    const desired = structuredClone(obj);
    if (m.namespaced) desired.metadata.namespace ??= this.namespace;
    const subject = `${obj.kind}/${desired.metadata.namespace ? desired.metadata.namespace + '/' : ''}${obj.metadata.name}`;
    if (desired.metadata.labels?.invalid) {
      throw new KubeError({ code: 422, reason: 'Invalid', message: `${obj.kind} "${obj.metadata.name}" is invalid`, subject });
    }
    if (m.namespaced && !this.objects.has(key({ apiVersion: 'v1', kind: 'Namespace', name: desired.metadata.namespace! }))) {
      throw new KubeError({ code: 404, reason: 'NotFound', message: `namespaces "${desired.metadata.namespace}" not found` });
    }
    const live = this.objects.get(key({ apiVersion: desired.apiVersion, kind: desired.kind, namespace: desired.metadata.namespace, name: desired.metadata.name! }));
    if (live?.metadata.annotations?.['owned-by-other'] && !opts.force && JSON.stringify(live.spec) !== JSON.stringify(desired.spec)) {
      throw new KubeError({ code: 409, reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "other": .spec', subject });
    }
    const merged: KubeObject = { ...(live ? structuredClone(live) : {}), ...desired, metadata: { ...live?.metadata, ...desired.metadata } };
    const specChanged = !live || JSON.stringify(live.spec) !== JSON.stringify(desired.spec);
    merged.metadata.uid = live?.metadata.uid ?? `uid-${this.rv}`;
    merged.metadata.generation = (live?.metadata.generation ?? 0) + (specChanged ? 1 : 0);
    merged.metadata.managedFields = [{ manager: opts.fieldManager, operation: 'Apply' }];
    if (obj.kind === 'CustomResourceDefinition') merged.status = { conditions: [{ type: 'Established', status: 'True' }] };
    if (opts.dryRun) return merged;
    merged.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key({ ...merged, name: merged.metadata.name!, namespace: merged.metadata.namespace }), merged);
    this.writes.push(`apply ${subject}`);
    if (obj.kind === 'CustomResourceDefinition') {
      const spec = obj.spec as { group: string; names: { kind: string; plural: string }; scope: string; versions: Array<{ name: string }> };
      for (const v of spec.versions) {
        this.mappings.push({ group: spec.group, version: v.name, kind: spec.names.kind, plural: spec.names.plural, namespaced: spec.scope === 'Namespaced', subresources: [] });
      }
    }
    return structuredClone(merged);
  }
  async create(): Promise<KubeObject> {
    throw new Error('not used');
  }
  async update(): Promise<KubeObject> {
    throw new Error('not used');
  }
  async patch(): Promise<KubeObject> {
    throw new Error('not used');
  }
  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<KubeObject> {
    const o = await this.get(ref);
    if (!opts.dryRun) {
      this.objects.delete(key(ref));
      this.writes.push(`delete ${ref.kind}/${ref.namespace ? ref.namespace + '/' : ''}${ref.name}`);
    }
    return o;
  }
  async watch(): Promise<void> {}
  async serverVersion() {
    return { major: '1', minor: '32', gitVersion: 'v1.32.0' };
  }
  close(): void {}

  /** Seeds an object as if someone else created it. */
  seed(obj: KubeObject): void {
    this.objects.set(key({ ...obj, name: obj.metadata.name!, namespace: obj.metadata.namespace }), { ...structuredClone(obj), metadata: { ...obj.metadata, uid: `seed-${obj.metadata.name}`, resourceVersion: '1', generation: 1 } });
  }
}
