// How soon each tool notices a finished rollout: the time from the last new
// Pod becoming Ready to `gdeploy set-image` exiting, against the same for
// `kubectl rollout status` watching the very same rollout, in the same run.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { startSandbox } from '../src/sandbox/index.js';
import type { KubeObject } from '../src/sandbox/types.js';
import { median, report } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const IMAGES = ['lyzhang1999/hello-world-flask:v1', 'lyzhang1999/hello-world-flask:latest'];

function exitTime(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true', KUBECONFIG: '' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now()) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

const isReady = (pod: KubeObject) =>
  ((pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

const sb = await startSandbox({ readyDelayMs: 100 });
try {
  const deployments = sb.store.resourceFor('apps', 'Deployment')!;
  sb.store.create(deployments, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hello-world-flask', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'hello-world-flask' } },
      template: { metadata: { labels: { app: 'hello-world-flask' } }, spec: { containers: [{ name: 'hello-world-flask', image: IMAGES[1]! }] } },
    },
  });
  const gdeploy: number[] = [];
  const kubectl: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const image = IMAGES[i % 2]!;
    let lastReady = 0;
    let kubectlExit: Promise<number> | undefined;
    const readyBefore = new Set<string>();
    const unsubscribe = sb.store.subscribe((ev) => {
      const o = ev.object;
      if (o.kind === 'Pod' && isReady(o) && !readyBefore.has(o.metadata.uid ?? '')) {
        readyBefore.add(o.metadata.uid ?? '');
        const spec = o.spec as { containers: { image: string }[] };
        if (spec.containers[0]?.image === image) lastReady = performance.now();
      }
      // kubectl starts once the change is in, so it waits for this rollout and not the previous one.
      if (o.kind === 'Deployment' && ev.type === 'MODIFIED' && !kubectlExit && o.metadata.generation !== ev.old?.metadata.generation) {
        kubectlExit = exitTime(KUBECTL, ['--kubeconfig', sb.kubeconfigPath, 'rollout', 'status', 'deployment/hello-world-flask', '--timeout=120s']);
      }
    });
    for (const pod of sb.store.list(sb.store.resourceFor('', 'Pod')!, 'default').items) if (isReady(pod)) readyBefore.add(pod.metadata.uid ?? '');
    const gdeployExit = await exitTime(process.execPath, [
      'bin/gdeploy.js', '--kubeconfig', sb.kubeconfigPath, 'set-image', 'deployment/hello-world-flask', `hello-world-flask=${image}`, '--timeout', '120s',
    ]);
    const kubectlDone = await kubectlExit!;
    unsubscribe();
    // The first run only warms caches (discovery, the page cache of both binaries).
    if (i === 0) continue;
    gdeploy.push(gdeployExit - lastReady);
    kubectl.push(kubectlDone - lastReady);
  }
  const k = median(kubectl);
  report('set-image: last Pod Ready -> the tool exits', [
    { name: 'kubectl rollout status', medianMs: k },
    { name: 'gdeploy set-image', medianMs: median(gdeploy), ratio: median(gdeploy) / k },
  ]);
} finally {
  await sb.stop();
}
