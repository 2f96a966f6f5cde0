// POSTs that are requests rather than objects to keep: the pods/binding,
// pods/eviction and serviceaccounts/token subresources, and the review kinds
// `kubectl auth can-i` and `kubectl auth whoami` create, answered for the
// caller's grant.
import { createHmac, randomBytes } from 'node:crypto';
import { authorize, type Grant } from '../auth.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { MemoryStore } from '../store.js';
import { nowTimestamp } from '../store.js';
import type { DeleteOptions, KubeObject, ResourceType } from '../types.js';

/** The review kinds: answered at once, never stored. */
export function isReview(res: ResourceType): boolean {
  return REVIEW_KINDS.has(`${res.group}/${res.kind}`);
}

const REVIEW_KINDS = new Set([
  'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview',
  'authentication.k8s.io/SelfSubjectReview',
  'authentication.k8s.io/TokenReview',
  'authorization.k8s.io/SubjectAccessReview',
  'authorization.k8s.io/LocalSubjectAccessReview',
]);

const SUCCESS_CREATED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
const ADMIN_GROUPS = ['kubeadm:cluster-admins', 'system:authenticated'];
const TOKEN_KEY = randomBytes(32);

// What system:basic-user lets everyone do, as a rules review lists it.
const BASIC_USER_RULES = [
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
];

interface ResourceAttributesSpec {
  namespace?: string;
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/** The answer to a review: the request with its status filled in. */
export function answerReview(res: ResourceType, body: KubeObject, grant: Grant): KubeObject {
  const out: KubeObject = { ...body, apiVersion: `${res.group}/${res.version}`, kind: res.kind, metadata: { ...body.metadata, creationTimestamp: undefined } };
  const spec = (body.spec ?? {}) as { resourceAttributes?: ResourceAttributesSpec; namespace?: string };
  switch (res.kind) {
    case 'SelfSubjectAccessReview': {
      // Non-resource URLs (discovery, /version) are open to every user.
      const a = spec.resourceAttributes;
      const denied = a
        ? authorize(grant, {
            verb: a.verb ?? '',
            group: a.group ?? '',
            resource: a.resource ?? '',
            ...(a.subresource ? { subresource: a.subresource } : {}),
            ...(a.namespace ? { namespace: a.namespace } : {}),
            ...(a.name ? { name: a.name } : {}),
          })
        : undefined;
      out.status = { allowed: !denied, reason: '' };
      break;
    }
    case 'SelfSubjectRulesReview': {
      const everything = grant.namespace === undefined || grant.namespace === spec.namespace;
      out.status = {
        resourceRules: everything ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] : BASIC_USER_RULES,
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
      break;
    }
    case 'SelfSubjectReview':
      // A certificate's groups are its O fields; token users are admins or namespace-bound service accounts.
      out.status = {
        userInfo: {
          username: grant.user,
          groups: grant.groups ? [...grant.groups, 'system:authenticated'] : grant.namespace === undefined ? ADMIN_GROUPS : ['system:authenticated'],
        },
      };
      break;
  }
  return out;
}

/** pods/<name>/binding: puts an unscheduled Pod on a node. */
export function bindPod(store: MemoryStore, pods: ResourceType, namespace: string, name: string, binding: KubeObject, manager: string | undefined): unknown {
  const target = (binding.target ?? {}) as { name?: string; kind?: string };
  if (!target.name) throw badRequest('Binding target.name is required');
  const pod = store.get(pods, namespace, name);
  if (!pod) throw notFound(pods, name);
  const spec = (pod.spec ?? {}) as { nodeName?: string };
  if (spec.nodeName) throw conflict(pods, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  store.update(pods, { ...pod, spec: { ...spec, nodeName: target.name } }, manager ? { fieldManager: manager } : {});
  return SUCCESS_CREATED;
}

/** pods/<name>/eviction: a delete that respects the Eviction's DeleteOptions. */
export function evictPod(store: MemoryStore, pods: ResourceType, namespace: string, name: string, eviction: KubeObject): unknown {
  const opts = (eviction.deleteOptions ?? {}) as DeleteOptions & { dryRun?: unknown };
  store.delete(pods, namespace, name, {
    ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
    ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
    ...(Array.isArray(opts.dryRun) && opts.dryRun.includes('All') ? { dryRun: true } : {}),
  });
  return SUCCESS_CREATED;
}

/** serviceaccounts/<name>/token: a bound token, signed by the sandbox (nothing verifies it but the sandbox). */
export function issueToken(store: MemoryStore, sas: ResourceType, namespace: string, name: string, request: KubeObject): KubeObject {
  const sa = store.get(sas, namespace, name);
  if (!sa) throw notFound(sas, name);
  const spec = (request.spec ?? {}) as { audiences?: string[]; expirationSeconds?: number };
  const seconds = spec.expirationSeconds ?? 3600;
  if (seconds < 600) throw badRequest('spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes');
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const payload = {
    aud: spec.audiences ?? ['https://kubernetes.default.svc.cluster.local'],
    exp: now + seconds,
    iat: now,
    iss: 'https://kubernetes.default.svc.cluster.local',
    sub: `system:serviceaccount:${namespace}:${name}`,
    'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.metadata.uid } },
  };
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  const token = `${unsigned}.${createHmac('sha256', TOKEN_KEY).update(unsigned).digest('base64url')}`;
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name, namespace, creationTimestamp: nowTimestamp() },
    spec: { audiences: payload.aud, expirationSeconds: seconds, boundObjectRef: null },
    status: { token, expirationTimestamp: nowTimestamp((now + seconds) * 1000) },
  };
}
