// A 100-replica Deployment on the sandbox with no readiness delay: how long
// the simulated cluster takes to create it and to roll it to a new image
// (default 25% surge / 25% unavailable), and the same rollout driven by
// `kubectl set image` + `kubectl rollout status` end to end. Reports medians.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import type { KubeObject } from '../src/sandbox/types.js';
import { median, report, timeItAsync, type Row } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REPLICAS = 100;
const KUBECTL = '/usr/bin/kubectl';

type Deployment = KubeObject & {
  spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
};

function manifest(name: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'example/app:1' }] } },
    } as Deployment['spec'],
  };
}

function rolledOut(sb: Sandbox, name: string): Promise<void> {
  const res = sb.store.resourceFor('apps', 'Deployment')!;
  const done = () => {
    const d = sb.store.get(res, 'default', name) as Deployment | undefined;
    const s = d?.status ?? {};
    return !!d && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === REPLICAS && s.replicas === REPLICAS && s.availableReplicas === REPLICAS;
  };
  return new Promise((resolve) => {
    if (done()) return resolve();
    const off = sb.store.subscribe((ev) => {
      if (ev.object.kind === 'Deployment' && done()) {
        off();
        resolve();
      }
    });
  });
}

function setImage(sb: Sandbox, name: string, image: string): void {
  const res = sb.store.resourceFor('apps', 'Deployment')!;
  const d = sb.store.get(res, 'default', name) as Deployment;
  d.spec.template.spec.containers[0]!.image = image;
  sb.store.update(res, d, { fieldManager: 'bench' });
}

function kubectl(sb: Sandbox, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, ['--kubeconfig', sb.kubeconfigPath, ...args], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl ${args.join(' ')} exited ${code}`))));
  });
}

const create: number[] = [];
const roll: number[] = [];
const viaKubectl: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const sb = await startSandbox({ readyDelayMs: 0 });
  try {
    const res = sb.store.resourceFor('apps', 'Deployment')!;
    create.push(await timeItAsync(async () => {
      sb.store.create(res, manifest('app'), { fieldManager: 'bench' });
      await rolledOut(sb, 'app');
    }));
    roll.push(await timeItAsync(async () => {
      setImage(sb, 'app', 'example/app:2');
      await rolledOut(sb, 'app');
    }));
    if (existsSync(KUBECTL)) {
      viaKubectl.push(await timeItAsync(async () => {
        await kubectl(sb, ['set', 'image', 'deployment/app', 'app=example/app:3']);
        await kubectl(sb, ['rollout', 'status', 'deployment/app', '--timeout=300s']);
      }));
    }
  } finally {
    await sb.stop();
  }
}

const rows: Row[] = [
  { name: `create a ${REPLICAS}-replica Deployment until available`, medianMs: median(create) },
  { name: `roll ${REPLICAS} replicas to a new image (25%/25%)`, medianMs: median(roll) },
];
if (viaKubectl.length) rows.push({ name: `kubectl set image + rollout status, ${REPLICAS} replicas`, medianMs: median(viaKubectl) });
report(`sandbox rollout (${REPLICAS} replicas, readiness delay 0, ${RUNS} runs)`, rows);
