// Shared by the set-image and edit end-to-end tests: the cluster fixture
// (test/helpers/cluster.ts: a sandbox per test, or the given cluster), and the
// workloads they roll out.
import type { SandboxOptions } from '../../src/sandbox/index.js';
import { HAVE_KUBECTL, NO_KUBECTL } from './apply-harness.js';
import { cluster, type Cluster } from '../helpers/cluster.js';

export { HAVE_KUBECTL, NO_KUBECTL, helloWorld } from './apply-harness.js';
export const SKIP = !HAVE_KUBECTL && NO_KUBECTL;

/** Images that pull and keep running on any cluster (the tutorial's). */
export const LATEST = 'lyzhang1999/hello-world-flask:latest';
export const V1 = 'lyzhang1999/hello-world-flask:v1';

export type TestCluster = Cluster;

/** The test's cluster; on a sandbox, started Pods get ready after 50 ms unless `sandbox` says otherwise. */
export function testCluster(t: Parameters<typeof cluster>[0], sandbox: SandboxOptions = {}): Promise<Cluster> {
  return cluster(t, { sandbox: { readyDelayMs: 50, ...sandbox } });
}

/** A Deployment (or another kind with a pod template) with one container and optional extras. */
export function workload(opts: {
  kind?: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
  image: string;
  replicas?: number;
  labels?: Record<string, string>;
  initImage?: string;
  extraSpec?: string;
}): string {
  const { kind = 'Deployment', name, image, replicas = 2, labels = {}, initImage, extraSpec = '' } = opts;
  const extraLabels = Object.entries(labels).map(([k, v]) => `    ${k}: ${v}\n`).join('');
  // An init container must end for the Pod to start: it runs `true`, whatever image it is given.
  const init = initImage ? `      initContainers:\n      - name: migrate\n        image: ${initImage}\n        command: ["true"]\n` : '';
  return `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: ${name}
  labels:
    app: ${name}
${extraLabels}spec:
${kind === 'DaemonSet' ? '' : `  replicas: ${replicas}\n`}${kind === 'StatefulSet' ? `  serviceName: ${name}\n` : ''}${extraSpec}  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
${init}      containers:
      - name: ${name}
        image: ${image}
`;
}

/** What a write by gdeploy would change: spec, generation, labels, and whether gdeploy manages fields. Status and controllers' bookkeeping are left out. */
export function written(obj: Record<string, any>): unknown {
  const byGdeploy = (obj.metadata.managedFields ?? []).some((m: any) => String(m.manager).startsWith('gdeploy'));
  return { generation: obj.metadata.generation, spec: obj.spec, labels: obj.metadata.labels, byGdeploy };
}
