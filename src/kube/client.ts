// The Kube adapter: Kubernetes verbs over the transport, with paths built from
// the REST mapper. Requests and their query parameters follow what kubectl
// sends (see `kubectl -v=8`).
import { KubeError, isNotFound } from './errors.js';
import { RestMapper } from './discovery.js';
import { subjectOf } from './refs.js';
import type { Transport } from './http.js';
import type {
  ApplyOptions,
  DeleteOptions,
  Kube,
  KubeObject,
  ListOptions,
  ObjectList,
  ObjectRef,
  PatchType,
  RequestOptions,
  ResourceMapping,
  ServerVersion,
  TypeRef,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from './types.js';

const DEFAULT_FIELD_MANAGER = 'gdeploy';
/** Metadata of each item, with plain JSON as the fallback for servers that cannot. */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

const PATCH_CONTENT_TYPES: Record<PatchType | 'apply', string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ClientInit {
  context: string;
  namespace: string;
  namespaceExplicit: boolean;
}

export class KubeClient implements Kube {
  readonly context: string;
  readonly server: string;
  readonly namespace: string;
  readonly namespaceExplicit: boolean;
  private readonly mapper: RestMapper;

  constructor(
    private readonly http: Transport,
    init: ClientInit,
  ) {
    this.context = init.context;
    this.server = http.server.href.replace(/\/$/, '');
    this.namespace = init.namespace;
    this.namespaceExplicit = init.namespaceExplicit;
    this.mapper = new RestMapper(http);
  }

  resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceMapping> {
    return this.mapper.resolve(apiVersion, kind, signal);
  }

  resolveKind(group: string, kind: string, signal?: AbortSignal): Promise<ResourceMapping> {
    return this.mapper.resolveKind(group, kind, signal);
  }

  resourceTypes(signal?: AbortSignal): Promise<ResourceMapping[]> {
    return this.mapper.resourceTypes(signal);
  }

  invalidate(apiVersion?: string): void {
    this.mapper.invalidate(apiVersion);
  }

  async get(ref: ObjectRef, opts: RequestOptions & { subresource?: string } = {}): Promise<KubeObject> {
    const path = await this.objectPath(ref, opts.signal, opts.subresource);
    return this.http.json<KubeObject>({ method: 'GET', path, signal: opts.signal, subject: subjectOf(ref) });
  }

  async find(ref: ObjectRef, opts: RequestOptions = {}): Promise<KubeObject | undefined> {
    try {
      return await this.get(ref, opts);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(type: TypeRef, namespace: string | undefined, opts: ListOptions = {}): Promise<ObjectList> {
    const m = await this.resolve(type.apiVersion, type.kind, opts.signal);
    const list = await this.http.json<{ items?: KubeObject[]; metadata?: { resourceVersion?: string } }>({
      method: 'GET',
      path: collectionPath(m, namespace),
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
      ...(opts.metadataOnly ? { accept: METADATA_ONLY } : {}),
      signal: opts.signal,
    });
    // List items omit apiVersion and kind; callers compare and render them, so put them back.
    const items = (list.items ?? []).map((o) => ({ ...o, apiVersion: type.apiVersion, kind: type.kind }));
    return { items, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  async apply(obj: KubeObject, opts: ApplyOptions = {}): Promise<KubeObject> {
    const ref = this.refOf(obj);
    return this.http.json<KubeObject>({
      method: 'PATCH',
      path: await this.objectPath(ref, opts.signal, opts.subresource),
      query: { fieldManager: opts.fieldManager ?? DEFAULT_FIELD_MANAGER, force: opts.force ? true : undefined, dryRun: dryRun(opts) },
      // JSON is YAML: the apply content type accepts it.
      body: obj,
      contentType: PATCH_CONTENT_TYPES.apply,
      signal: opts.signal,
      subject: subjectOf(ref),
    });
  }

  async create(obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const m = await this.resolve(obj.apiVersion, obj.kind, opts.signal);
    const ns = m.namespaced ? (obj.metadata.namespace ?? this.namespace) : undefined;
    return this.http.json<KubeObject>({
      method: 'POST',
      path: collectionPath(m, ns),
      query: { fieldManager: opts.fieldManager ?? DEFAULT_FIELD_MANAGER, dryRun: dryRun(opts) },
      body: obj,
      signal: opts.signal,
      subject: subjectOf(this.refOf(obj)),
    });
  }

  async update(obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const ref = this.refOf(obj);
    return this.http.json<KubeObject>({
      method: 'PUT',
      path: await this.objectPath(ref, opts.signal, opts.subresource),
      query: { fieldManager: opts.fieldManager ?? DEFAULT_FIELD_MANAGER, dryRun: dryRun(opts) },
      body: obj,
      signal: opts.signal,
      subject: subjectOf(ref),
    });
  }

  async patch(ref: ObjectRef, body: unknown, type: PatchType, opts: WriteOptions = {}): Promise<KubeObject> {
    return this.http.json<KubeObject>({
      method: 'PATCH',
      path: await this.objectPath(ref, opts.signal, opts.subresource),
      query: { fieldManager: opts.fieldManager ?? DEFAULT_FIELD_MANAGER, dryRun: dryRun(opts) },
      body,
      contentType: PATCH_CONTENT_TYPES[type],
      signal: opts.signal,
      subject: subjectOf(ref),
    });
  }

  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<KubeObject> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: opts.propagationPolicy ?? 'Background' };
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.uid) body.preconditions = { uid: opts.uid };
    if (opts.dryRun) body.dryRun = ['All'];
    return this.http.json<KubeObject>({
      method: 'DELETE',
      path: await this.objectPath(ref, opts.signal),
      body,
      signal: opts.signal,
      subject: subjectOf(ref),
    });
  }

  async watch(
    type: TypeRef,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const m = await this.resolve(type.apiVersion, type.kind, signal);
    await this.http.stream(
      {
        method: 'GET',
        path: collectionPath(m, namespace),
        query: {
          watch: 1,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          resourceVersion: opts.resourceVersion,
          allowWatchBookmarks: opts.allowBookmarks ? true : undefined,
          timeoutSeconds: opts.timeoutSeconds,
        },
        signal,
      },
      (line) => {
        let ev: WatchEvent;
        try {
          ev = JSON.parse(line) as WatchEvent;
        } catch {
          return; // a torn line at the end of a cut stream; the caller re-lists
        }
        onEvent(ev);
      },
    );
  }

  async serverVersion(signal?: AbortSignal): Promise<ServerVersion> {
    return this.http.json<ServerVersion>({ method: 'GET', path: '/version', signal });
  }

  close(): void {
    this.http.close();
  }

  private refOf(obj: KubeObject): ObjectRef {
    const name = obj.metadata.name;
    if (!name) throw new KubeError({ code: 400, reason: 'BadRequest', message: `${obj.kind}: metadata.name is required` });
    return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name };
  }

  private async objectPath(ref: ObjectRef, signal?: AbortSignal, subresource?: string): Promise<string> {
    const m = await this.resolve(ref.apiVersion, ref.kind, signal);
    const ns = m.namespaced ? (ref.namespace ?? this.namespace) : undefined;
    const base = `${collectionPath(m, ns)}/${encodeURIComponent(ref.name)}`;
    return subresource ? `${base}/${subresource}` : base;
  }
}

function collectionPath(m: ResourceMapping, namespace: string | undefined): string {
  const root = m.group ? `/apis/${m.group}/${m.version}` : `/api/${m.version}`;
  return m.namespaced && namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${m.plural}` : `${root}/${m.plural}`;
}

function dryRun(opts: WriteOptions): string | undefined {
  return opts.dryRun ? 'All' : undefined;
}
