// Apply and diff at scale: `gdeploy apply -f` vs `kubectl apply --server-side -f`
// of 500 ConfigMaps and 100 Deployments (one file each), against one sandbox
// in this process, interleaved so both see the same machine load. Then both
// diffs with nothing changed, and with 10% of the objects changed. Reports
// medians, ratios (below 1: gdeploy is faster) and gdeploy's peak RSS; then
// gdeploy apply at several --concurrency values (how the default was chosen).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.js';
import { median, report, timeItAsync } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONFIGMAPS = 500;
const DEPLOYMENTS = 100;
const DIFF_REPEATS = 2;
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '4,8,16,32').split(',').map(Number);
const BIN = process.env.GDEPLOY_BIN ?? 'bin/gdeploy.js';
// Reports the child's peak RSS (KiB on Linux) on stderr when it exits.
const RSS_PROBE = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nmaxrss-kib:'+process.resourceUsage().maxRSS+'\\n'))`;

interface Result {
  code: number;
  stderr: string;
}

function exec(cmd: string, args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

function configMap(i: number, version: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  index: "${i}"\n  version: "${version}"\n`;
}

function deployment(i: number, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${i}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web-${i}
  template:
    metadata:
      labels:
        app: web-${i}
    spec:
      containers:
      - name: web
        image: ${image}
`;
}

/** The app directory; `changedEvery` > 0 changes every n-th object. */
function writeApp(dir: string, changedEvery = 0): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const changed = (i: number) => changedEvery > 0 && i % changedEvery === 0;
  for (let i = 0; i < CONFIGMAPS; i++) writeFileSync(join(dir, `cm-${i}.yaml`), configMap(i, changed(i) ? 'v2' : 'v1'));
  for (let i = 0; i < DEPLOYMENTS; i++) {
    writeFileSync(join(dir, `web-${i}.yaml`), deployment(i, changed(i) ? 'lyzhang1999/hello-world-flask:v1' : 'lyzhang1999/hello-world-flask:latest'));
  }
}

const sb = await startSandbox({ readyDelayMs: 0 });
const root = mkdtempSync(join(tmpdir(), 'gdeploy-bench-'));
try {
  const kc = ['--kubeconfig', sb.kubeconfigPath];
  const app = join(root, 'app');
  const changedApp = join(root, 'changed');
  writeApp(app);
  writeApp(changedApp, 10);

  const namespaces: string[] = [];
  const makeNamespace = async (name: string): Promise<void> => {
    const r = await exec('kubectl', [...kc, 'create', 'namespace', name]);
    if (r.code !== 0) {
      // Fall back to apply for servers that do not speak kubectl create's encoding.
      writeFileSync(join(root, `${name}.yaml`), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`);
      const a = await exec('kubectl', [...kc, 'apply', '-f', join(root, `${name}.yaml`)]);
      if (a.code !== 0) throw new Error(`cannot create namespace ${name}: ${a.stderr}`);
    }
    namespaces.push(name);
  };
  const gdeploy = async (args: string[]): Promise<{ ms: number; rssMiB: number; code: number }> => {
    let r: Result = { code: -1, stderr: '' };
    const ms = await timeItAsync(async () => (r = await exec(process.execPath, ['--import', RSS_PROBE, BIN, ...kc, ...args])));
    const kib = Number(/maxrss-kib:(\d+)/.exec(r.stderr)?.[1] ?? NaN);
    return { ms, rssMiB: kib / 1024, code: r.code };
  };
  const kubectl = async (args: string[]): Promise<{ ms: number; code: number; stderr: string }> => {
    let r: Result = { code: -1, stderr: '' };
    const ms = await timeItAsync(async () => (r = await exec('kubectl', [...kc, ...args])));
    return { ms, code: r.code, stderr: r.stderr };
  };
  /** Deletes a namespace once measured, so the simulated cluster stays the same size from one round to the next. */
  const dropNamespace = async (name: string): Promise<void> => {
    await exec('kubectl', [...kc, 'delete', 'namespace', name, '--wait=true', '--timeout=300s']);
    namespaces.splice(namespaces.indexOf(name), 1);
  };
  /** Waits until every Deployment so far is Available: the simulated cluster is idle again. */
  const settle = async (): Promise<void> => {
    for (const ns of namespaces) {
      const r = await exec('kubectl', [...kc, 'wait', '--for=condition=Available', 'deployment', '--all', '-n', ns, '--timeout=300s']);
      if (r.code !== 0 && !r.stderr.includes('no matching resources')) throw new Error(`deployments in ${ns} did not settle: ${r.stderr}`);
    }
  };
  const expect = (what: string, code: number, ok: number[], stderr = ''): void => {
    if (!ok.includes(code)) throw new Error(`${what} exited ${code}${stderr ? `: ${stderr.slice(0, 500)}` : ''}`);
  };

  const t = { gApply: [] as number[], kApply: [] as number[], gDiff0: [] as number[], kDiff0: [] as number[], gDiff10: [] as number[], kDiff10: [] as number[] };
  let peakRss = 0;
  for (let run = 0; run < RUNS; run++) {
    const gns = `bench-g-${run}`;
    const kns = `bench-k-${run}`;
    await makeNamespace(gns);
    await makeNamespace(kns);
    // Alternate which tool goes first, and let the controllers finish the
    // previous tool's rollouts, so neither measures the other's aftermath.
    const applyG = async () => {
      await settle();
      const ga = await gdeploy(['apply', '-f', app, '-n', gns, '--app', 'bench', '--no-wait']);
      expect('gdeploy apply', ga.code, [0]);
      t.gApply.push(ga.ms);
      peakRss = Math.max(peakRss, ga.rssMiB);
    };
    const applyK = async () => {
      await settle();
      const ka = await kubectl(['apply', '--server-side', '-f', app, '-n', kns]);
      expect('kubectl apply', ka.code, [0], ka.stderr);
      t.kApply.push(ka.ms);
    };
    if (run % 2 === 0) await applyG().then(applyK);
    else await applyK().then(applyG);
    await settle();

    // Each diff runs several times per round, in alternating order, to even out the noise.
    for (let i = 0; i < DIFF_REPEATS; i++) {
      const diffs = [
        async () => {
          const gd0 = await gdeploy(['diff', '-f', app, '-n', gns, '--app', 'bench']);
          expect('gdeploy diff (no change)', gd0.code, [0]);
          const gd10 = await gdeploy(['diff', '-f', changedApp, '-n', gns, '--app', 'bench']);
          expect('gdeploy diff (10% changed)', gd10.code, [1]);
          t.gDiff0.push(gd0.ms);
          t.gDiff10.push(gd10.ms);
          peakRss = Math.max(peakRss, gd0.rssMiB, gd10.rssMiB);
        },
        async () => {
          const kd0 = await kubectl(['diff', '--server-side', '-f', app, '-n', kns]);
          expect('kubectl diff (no change)', kd0.code, [0], kd0.stderr);
          const kd10 = await kubectl(['diff', '--server-side', '-f', changedApp, '-n', kns]);
          expect('kubectl diff (10% changed)', kd10.code, [1], kd10.stderr);
          t.kDiff0.push(kd0.ms);
          t.kDiff10.push(kd10.ms);
        },
      ];
      if ((run + i) % 2 === 1) diffs.reverse();
      for (const d of diffs) await d();
    }
    await dropNamespace(gns);
    await dropNamespace(kns);
  }

  const row = (name: string, g: number[], k: number[]) => [
    { name: `kubectl ${name}`, medianMs: median(k) },
    { name: `gdeploy ${name}`, medianMs: median(g), ratio: median(g) / median(k) },
  ];
  report(`apply and diff: ${CONFIGMAPS} ConfigMaps + ${DEPLOYMENTS} Deployments (${RUNS} runs)`, [
    ...row('apply (create)', t.gApply, t.kApply),
    ...row('diff (nothing changed)', t.gDiff0, t.kDiff0),
    ...row('diff (10% changed)', t.gDiff10, t.kDiff10),
  ]);
  console.log(`\ngdeploy peak RSS: ${peakRss.toFixed(0)} MiB`);

  const rows = [];
  for (const n of CONCURRENCIES) {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const ns = `bench-c${n}-${run}`;
      await makeNamespace(ns);
      await settle();
      const r = await gdeploy(['apply', '-f', app, '-n', ns, '--app', 'bench', '--no-wait', '--concurrency', String(n)]);
      expect(`gdeploy apply --concurrency ${n}`, r.code, [0]);
      times.push(r.ms);
      await dropNamespace(ns);
    }
    rows.push({ name: `gdeploy apply --concurrency ${n}`, medianMs: median(times) });
  }
  const anchor = rows[0]!.medianMs;
  report('gdeploy apply (create) by --concurrency', rows.map((r) => ({ ...r, ratio: r.medianMs / anchor })));
} finally {
  await sb.stop();
  rmSync(root, { recursive: true, force: true });
}
