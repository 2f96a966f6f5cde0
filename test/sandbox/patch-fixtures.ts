// Objects and helpers shared by the patch and apply tests.
import type { KubeObject } from '../../src/sandbox/types.js';

/** The value at a dotted path (`spec.template.spec`), or undefined. */
export function dig(o: unknown, path: string): unknown {
  let v: unknown = o;
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** The seed scenario's Deployment, with the given containers and extra pod spec fields. */
export function deployment(containers: Record<string, unknown>[], podSpec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hello-world-flask', namespace: 'default', labels: { app: 'hello-world-flask' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'hello-world-flask' } },
      template: { metadata: { labels: { app: 'hello-world-flask' } }, spec: { containers, ...podSpec } },
    },
  };
}

export function containersOf(o: KubeObject): Record<string, unknown>[] {
  return dig(o, 'spec.template.spec.containers') as Record<string, unknown>[];
}
