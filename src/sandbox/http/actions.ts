// POSTs that are requests rather than objects to keep: the pods/binding,
// pods/eviction and serviceaccounts/token subresources, and the review kinds
// `kubectl auth can-i` and `kubectl auth whoami` create. Every client of the
// sandbox is its administrator, so every review answers yes.
import { createHmac, randomBytes } from 'node:crypto';
import { ADMIN_USER } from '../auth.js';
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
]);

const SUCCESS_CREATED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
const ADMIN_GROUPS = ['kubeadm:cluster-admins', 'system:authenticated'];
const TOKEN_KEY = randomBytes(32);

/** The answer to a review: the request with its status filled in. */
export function answerReview(res: ResourceType, body: KubeObject): KubeObject {
  const out: KubeObject = { ...body, apiVersion: `${res.group}/${res.version}`, kind: res.kind, metadata: { ...body.metadata, creationTimestamp: undefined } };
  switch (res.kind) {
    case 'SelfSubjectAccessReview':
      out.status = { allowed: true, reason: '' };
      break;
    case 'SelfSubjectRulesReview':
      out.status = {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
      break;
    case 'SelfSubjectReview':
      out.status = { userInfo: { username: ADMIN_USER, groups: ADMIN_GROUPS } };
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
