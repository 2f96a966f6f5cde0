// Shared by the set-image and edit end-to-end tests: a sandbox with its hooks
// (image rules, cut watches), the built CLI and kubectl as subprocesses.
import yaml from 'js-yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { KubeObject } from '../../src/sandbox/types.js';
import { HAVE_KUBECTL, KUBECTL, NO_KUBECTL, run, type Run } from './apply-harness.js';
import { runCli } from '../helpers/cli.js';

export { HAVE_KUBECTL, NO_KUBECTL, helloWorld } from './apply-harness.js';
export const SKIP = !HAVE_KUBECTL && NO_KUBECTL;

interface Hooks {
  after: (fn: () => Promise<void> | void) => void;
}

export interface TestCluster {
  sandbox: Sandbox;
  kubeconfig: string;
  gdeploy(args: string[], opts?: { env?: NodeJS.ProcessEnv }): Promise<Run>;
  kubectl(args: string[], input?: string): Promise<Run>;
  /** The object (`kind/name`) or the list (`kind`) in namespace default, as the server stores it. */
  get(kindName: string): Promise<Record<string, any>>;
  /** Creates the objects of a YAML stream, as a client other than gdeploy would. */
  create(yaml: string): Promise<void>;
  /** Resolves once the workload is rolled out (kubectl's rules for a Deployment). */
  rolledOut(kindName: string): Promise<void>;
}

export async function testCluster(t: Hooks): Promise<TestCluster> {
  const sandbox = await startSandbox({ readyDelayMs: Number(process.env.READY_MS ?? 50) });
  t.after(() => sandbox.stop());
  const kubeconfig = sandbox.kubeconfigPath;
  const kubectl = (args: string[], input?: string) => run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], input);
  // Set-up and checks go to the store in this process: a kubectl process per
  // step would make each test wait seconds on a busy machine for nothing it checks.
  const { store } = sandbox;
  const resource = (kindName: string) => {
    const [kind, name] = kindName.split('/') as [string, string | undefined];
    const res = store.allResources().find((r) => r.kind.toLowerCase() === kind || r.plural === kind || r.singular === kind);
    if (!res) throw new Error(`no resource ${kind}`);
    return { res, name };
  };
  return {
    sandbox,
    kubeconfig,
    kubectl,
    async gdeploy(args, opts = {}) {
      const r = await runCli(['--kubeconfig', kubeconfig, ...args], { env: { KUBECONFIG: '', ...opts.env }, timeoutMs: 170_000 });
      return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    async get(kindName) {
      const { res, name } = resource(kindName);
      if (name === undefined) return { items: store.list(res, 'default').items };
      const obj = store.get(res, 'default', name);
      if (!obj) throw new Error(`${kindName} not found`);
      return obj;
    },
    async create(text) {
      for (const doc of yaml.loadAll(text) as KubeObject[]) {
        const res = store.resourceFor(doc.apiVersion.includes('/') ? doc.apiVersion.split('/')[0]! : '', doc.kind)!;
        store.create(res, { ...doc, metadata: { namespace: 'default', ...doc.metadata } }, { fieldManager: 'kubectl' });
      }
    },
    async rolledOut(kindName) {
      const { res, name } = resource(kindName);
      const done = () => {
        const o = store.get(res, 'default', name!) as (KubeObject & { spec: any; status?: any }) | undefined;
        const s = o?.status ?? {};
        return !!o && s.observedGeneration >= (o.metadata.generation ?? 0) && s.updatedReplicas === o.spec.replicas && s.replicas === o.spec.replicas && s.availableReplicas === o.spec.replicas;
      };
      await new Promise<void>((resolve, reject) => {
        if (done()) return resolve();
        const timer = setTimeout(() => (stop(), reject(new Error(`${kindName} did not roll out`))), 60_000);
        const stop = store.subscribe(() => {
          if (done()) (clearTimeout(timer), stop(), resolve());
        });
      });
    },
  };
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
  const init = initImage ? `      initContainers:\n      - name: migrate\n        image: ${initImage}\n` : '';
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
