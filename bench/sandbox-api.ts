// The sandbox API server under load: 5,000 objects and 50 open watches.
// Measures listing everything over HTTP (and as a kubectl-style Table), a
// single GET, and the write latency while every watch receives every change.
import { request } from 'node:http';
import { startSandbox } from '../src/sandbox/index.js';
import { median, report, timeItAsync, type Row } from './lib.js';

const OBJECTS = 5000;
const WATCHES = 50;
const RUNS = 5;

const sb = await startSandbox({ workloads: false });
const cms = sb.store.resourceByPlural('', 'configmaps')!;
for (let i = 0; i < OBJECTS; i++) {
  sb.store.create(cms, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${String(i).padStart(5, '0')}`, namespace: 'default', labels: { app: `app-${i % 50}` } },
    data: { index: String(i), payload: 'x'.repeat(200) },
  });
}

let received = 0;
const watches = Array.from({ length: WATCHES }, () =>
  request(`${sb.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${sb.store.resourceVersion()}`, (res) => {
    res.on('data', (chunk: Buffer) => {
      for (const b of chunk) if (b === 10) received++;
    });
  }).end(),
);
await new Promise((r) => setTimeout(r, 200));

async function fetchText(path: string, accept = 'application/json'): Promise<string> {
  const r = await fetch(`${sb.url}${path}`, { headers: { Accept: accept } });
  return r.text();
}

const LIST = '/api/v1/namespaces/default/configmaps';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const rows: Row[] = [];
const measure = async (name: string, fn: () => Promise<unknown>) => {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeItAsync(fn));
  rows.push({ name, medianMs: median(times) });
};

await measure(`list ${OBJECTS} ConfigMaps (JSON)`, () => fetchText(LIST));
await measure(`list ${OBJECTS} ConfigMaps (Table)`, () => fetchText(LIST, TABLE));
await measure('list by label selector (100 of 5,000)', () => fetchText(`${LIST}?labelSelector=app%3Dapp-7`));
await measure('get one ConfigMap', () => fetchText(`${LIST}/cm-02500`));
let n = 0;
await measure(`100 writes with ${WATCHES} watches open`, async () => {
  for (let i = 0; i < 100; i++) {
    await fetch(`${sb.url}${LIST}/cm-${String(n++ % OBJECTS).padStart(5, '0')}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ data: { touched: String(n) } }),
    });
  }
});

report('Sandbox API server (5,000 objects, 50 watches)', rows);
console.log(`\n${received} watch events delivered`);
for (const w of watches) w.destroy();
await sb.stop();
