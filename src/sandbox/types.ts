// Shared types of the sandbox: the in-memory Kubernetes API server. The API
// layer (store, HTTP, discovery, patch) implements Store; the workload
// controllers, kubelet and fault hooks only use this interface.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** One served resource (built-in or from a CRD), as discovery describes it. */
export interface ResourceType {
  group: string; // '' for core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** e.g. ['status'], ['status', 'scale'] */
  subresources: string[];
  /** The kind storage keeps it as, when that is another group's (discovery's storageVersionHash). */
  storedAs?: { group: string; version: string; kind: string };
  listKind: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: ResourceType;
  object: KubeObject;
  /** The object before the change (MODIFIED and DELETED). */
  old?: KubeObject;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** 'status' writes only .status (and metadata where allowed); '' or undefined writes the main resource. */
  subresource?: string;
}

export interface DeleteOptions {
  dryRun?: boolean;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * The object store behind the API server. Every method throws an ApiError
 * (src/sandbox/errors.ts) carrying the metav1.Status a real server would send.
 * Objects passed in and returned are copies: callers may mutate them freely.
 */
export interface Store {
  /** Finds a served resource. `group` is '' for core. */
  resourceFor(group: string, kind: string): ResourceType | undefined;
  resourceByPlural(group: string, plural: string): ResourceType | undefined;
  allResources(): ResourceType[];

  get(res: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
  list(res: ResourceType, namespace: string | undefined, opts?: ListOptions): { items: KubeObject[]; resourceVersion: string };
  /** Runs defaulting and validation, assigns uid, resourceVersion, generation, creationTimestamp, generateName. */
  create(res: ResourceType, obj: KubeObject, opts?: WriteOptions): KubeObject;
  /** A stale metadata.resourceVersion gets 409 Conflict; an empty one is an unconditional update. */
  update(res: ResourceType, obj: KubeObject, opts?: WriteOptions): KubeObject;
  /**
   * Graceful deletion: Pods with a grace period and objects with finalizers get
   * deletionTimestamp and stay until finalizers are gone (the kubelet removes
   * terminating Pods by deleting again with gracePeriodSeconds 0).
   */
  delete(res: ResourceType, namespace: string | undefined, name: string, opts?: DeleteOptions): KubeObject;

  /** Every committed change, synchronously after it is stored, in resourceVersion order. */
  subscribe(listener: (ev: StoreEvent) => void): () => void;
  resourceVersion(): string;
}
