// Waiting for CustomResourceDefinitions to be served: until a CRD reports
// Established, creating objects of its kind fails with "no matches for kind".
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kube, KubeObject } from '../kube/types.js';
import { GdeployError } from './errors.js';

const POLL_MS = 100;
const DEFAULT_TIMEOUT_MS = 60_000;

export async function waitEstablished(kube: Kube, names: string[], signal?: AbortSignal, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...names];
  while (pending.length > 0) {
    const crds = await Promise.all(
      pending.map((name) => kube.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name }, { signal })),
    );
    pending = pending.filter((_, i) => !isEstablished(crds[i]!));
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      throw new GdeployError(`CustomResourceDefinition ${pending.join(', ')} not Established after ${timeoutMs / 1000}s`);
    }
    await sleep(POLL_MS, undefined, { signal });
  }
}

export function isEstablished(crd: KubeObject): boolean {
  const conditions = ((crd.status ?? {}) as { conditions?: Array<{ type?: string; status?: string }> }).conditions ?? [];
  return conditions.some((c) => c.type === 'Established' && c.status === 'True');
}
