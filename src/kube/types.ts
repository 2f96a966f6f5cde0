// The shapes the rest of gdeploy uses to talk to a Kubernetes API server.
// Objects stay plain JSON (what the server sends), not generated model classes:
// the engine compares, prunes and renders them generically.

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Names one object. `namespace` is absent for cluster-scoped objects. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Names a type of object, for list and watch. */
export interface TypeRef {
  apiVersion: string;
  kind: string;
}

/** What discovery says about a kind: where it is served and whether it is namespaced. */
export interface ResourceMapping {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** e.g. ['status', 'scale'] */
  subresources: string[];
  /** e.g. ['get', 'list', 'watch', 'create', ...]; absent when discovery did not say. */
  verbs?: string[];
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface WriteOptions extends RequestOptions {
  /** Server-side dry run (dryRun=All): validated and defaulted, never persisted. */
  dryRun?: boolean;
  /** Field manager recorded in managedFields; 'gdeploy' when absent. */
  fieldManager?: string;
  /** Writes a subresource such as 'status' or 'scale'. */
  subresource?: string;
}

export interface ApplyOptions extends WriteOptions {
  /** Take ownership of fields another manager holds instead of failing with 409. */
  force?: boolean;
}

/** json: RFC 6902; merge: RFC 7386; strategic: Kubernetes strategic merge patch. */
export type PatchType = 'json' | 'merge' | 'strategic';

export interface DeleteOptions extends RequestOptions {
  dryRun?: boolean;
  /** 'Background' when absent, as kubectl. */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  /** Deletes only if the object still has this uid (guards against deleting a re-created object). */
  uid?: string;
}

export interface ListOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Only each item's metadata (PartialObjectMetadataList): no Secret values, no specs, far fewer bytes. */
  metadataOnly?: boolean;
}

export interface ObjectList {
  items: KubeObject[];
  /** The list's resourceVersion: start a watch here to miss nothing. */
  resourceVersion: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this resourceVersion (from a list); absent: start with synthetic ADDED events for what exists. */
  resourceVersion?: string;
  /** Ask for BOOKMARK events. */
  allowBookmarks?: boolean;
  /** Server-side timeout of the watch request. */
  timeoutSeconds?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  /** For ERROR, a metav1.Status (e.g. 410 Gone: resourceVersion too old, re-list). */
  object: KubeObject;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
  platform?: string;
}

/**
 * One connection to one cluster, for one run of a command. Every method throws
 * KubeError (src/kube/errors.ts) for a response that is not 2xx, and rejects
 * with an AbortError when its signal fires.
 */
export interface Kube {
  /** The context in use (its name, or '' when the kubeconfig has none). */
  readonly context: string;
  /** The API server URL. */
  readonly server: string;
  /** The namespace for objects that name none: -n, else the context's, else 'default'. */
  readonly namespace: string;
  /** True when the namespace came from -n (kubectl then refuses objects that name another one). */
  readonly namespaceExplicit: boolean;

  /** Maps apiVersion + kind to its resource, by discovery (cached for the run). Unknown kind: KubeError NotFound naming it. */
  resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceMapping>;
  /**
   * Maps group + kind to its resource in the version the server prefers among
   * those serving it: for objects recorded under a version that may no longer
   * be served. No version serves it: KubeError NotFound.
   */
  resolveKind(group: string, kind: string, signal?: AbortSignal): Promise<ResourceMapping>;
  /** Every kind the server serves, once each, with its verbs. */
  resourceTypes(signal?: AbortSignal): Promise<ResourceMapping[]>;
  /** Forgets discovery of one group/version (e.g. after a CRD becomes Established), or all of it. */
  invalidate(apiVersion?: string): void;

  get(ref: ObjectRef, opts?: RequestOptions & { subresource?: string }): Promise<KubeObject>;
  /** `get`, but undefined instead of NotFound. */
  find(ref: ObjectRef, opts?: RequestOptions): Promise<KubeObject | undefined>;
  /** Lists in one namespace, or across all when namespace is undefined (and for cluster-scoped kinds). */
  list(type: TypeRef, namespace: string | undefined, opts?: ListOptions): Promise<ObjectList>;
  /** Server-side apply: PATCH application/apply-patch+yaml. Returns the object as stored (or as it would be, with dryRun). */
  apply(obj: KubeObject, opts?: ApplyOptions): Promise<KubeObject>;
  create(obj: KubeObject, opts?: WriteOptions): Promise<KubeObject>;
  /** PUT. With metadata.resourceVersion set, fails with 409 Conflict if the object changed since. */
  update(obj: KubeObject, opts?: WriteOptions): Promise<KubeObject>;
  patch(ref: ObjectRef, body: unknown, type: PatchType, opts?: WriteOptions): Promise<KubeObject>;
  /** Returns the server's answer (the object being deleted, or a Status). */
  delete(ref: ObjectRef, opts?: DeleteOptions): Promise<KubeObject>;
  /**
   * Streams events to onEvent until the server ends the stream (resolves) or
   * signal fires (resolves). A 410 Gone arrives as an ERROR event, not a throw;
   * the caller re-lists.
   */
  watch(
    type: TypeRef,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
  serverVersion(signal?: AbortSignal): Promise<ServerVersion>;
  /** Releases pooled connections. */
  close(): void;
}
