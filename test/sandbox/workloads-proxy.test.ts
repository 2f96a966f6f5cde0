// Traffic through the API server's service proxy and `pods/log`: a rolling
// update with maxUnavailable 0 never leaves the Service without a Ready Pod.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { KubeObject } from '../../src/sandbox/types.js';
import { deployment, rolledOut, waitUntil } from './workloads-harness.js';

let sb: Sandbox;
const APP = 'hello-world-flask';
const PROXY = `/api/v1/namespaces/default/services/${APP}:5000/proxy/`;

before(async () => {
  sb = await startSandbox({ readyDelayMs: 20, timeFactor: 0.001 });
  sb.store.create(
    sb.store.resourceFor('', 'Service')!,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: APP, namespace: 'default' },
      spec: { selector: { app: APP }, ports: [{ port: 5000, targetPort: 5000 }] },
    },
    { fieldManager: 'test' },
  );
});

after(async () => {
  await sb.stop();
});

const res = (group: string, kind: string) => sb.store.resourceFor(group, kind)!;
const getDeployment = () => sb.store.get(res('apps', 'Deployment'), 'default', APP);
const pods = () => sb.store.list(res('', 'Pod'), 'default').items as (KubeObject & { spec: { containers: { image: string }[] } })[];

async function get(path: string): Promise<{ status: number; text: string }> {
  const r = await fetch(sb.url + path);
  return { status: r.status, text: await r.text() };
}

test('no Ready Pod behind a Service: 503 with the proxy\'s Status; an unknown Service: 404', async () => {
  const r = await get(PROXY);
  assert.equal(r.status, 503);
  assert.deepEqual(JSON.parse(r.text), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `no endpoints available for service "${APP}"`, reason: 'ServiceUnavailable', code: 503,
  });
  const missing = await get('/api/v1/namespaces/default/services/nope/proxy/');
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.text).message, 'services "nope" not found');
});

test('a rolling update with maxUnavailable 0 serves every request, old version then new', async () => {
  const spec = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } };
  sb.store.create(res('apps', 'Deployment'), deployment(APP, 'lyzhang1999/hello-world-flask:latest', spec), { fieldManager: 'test' });
  await waitUntil('first rollout', () => rolledOut(getDeployment()));
  const first = await get(PROXY);
  assert.equal(first.status, 200);
  assert.match(first.text, new RegExp(`^Hello, my first docker images! ${APP}-[a-z0-9]+-[a-z0-9]{5}$`));

  // Freeze the cluster the moment the first new Pod is Ready, while every old
  // one still is: requests then meet both versions whatever the machine's speed.
  let frozen = false;
  const off = sb.store.subscribe((ev) => {
    const p = ev.object as KubeObject & { spec: { containers: { image: string }[] }; status?: { conditions?: { type: string; status: string }[] } };
    if (frozen || p.kind !== 'Pod' || !p.spec.containers[0]!.image.endsWith(':v1')) return;
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
      frozen = true;
      sb.hooks.pause();
    }
  });
  const d = getDeployment()! as KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
  d.spec.template.spec.containers[0]!.image = 'lyzhang1999/hello-world-flask:v1';
  sb.store.update(res('apps', 'Deployment'), d, { fieldManager: 'test' });

  const answers: string[] = [];
  let whileFrozen = 0;
  const done = () => rolledOut(getDeployment()) && pods().every((p) => p.spec.containers[0]!.image.endsWith(':v1'));
  while (!done()) {
    const r = await get(PROXY);
    answers.push(r.status === 200 ? r.text.replace(/ [^ ]+$/, '') : `${r.status} ${r.text}`);
    if (frozen && ++whileFrozen === 6) sb.hooks.resume();
  }
  off();
  for (let i = 0; i < 3; i++) answers.push((await get(PROXY)).text.replace(/ [^ ]+$/, ''));

  const OLD = 'Hello, my first docker images!';
  const NEW = 'Hello, my v1 version docker images!';
  assert.deepEqual(answers.filter((a) => a !== OLD && a !== NEW), [], 'every request answered by a Ready Pod');
  assert.ok(answers.includes(OLD) && answers.includes(NEW), 'both versions answered during the rollout');
  assert.equal(answers.at(-1), NEW);
  assert.ok(!answers.slice(answers.lastIndexOf(OLD) + 1).includes(OLD));
});

test('pods/log returns what the container printed, with tailLines, container and follow', async () => {
  await waitUntil('rollout', () => rolledOut(getDeployment()));
  const pod = pods().find((p) => !p.metadata.deletionTimestamp)!;
  const path = `/api/v1/namespaces/default/pods/${pod.metadata.name}/log`;
  const all = await get(path);
  assert.equal(all.status, 200);
  assert.ok(all.text.includes("Serving Flask app 'app' (lyzhang1999/hello-world-flask:v1)"), all.text);
  const tail = await get(`${path}?tailLines=1`);
  assert.equal(tail.text.split('\n').filter(Boolean).length, 1);
  const bad = await get(`${path}?container=other`);
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.text).message, `container other is not valid for pod ${pod.metadata.name}`);

  const ctrl = new AbortController();
  const follow = await fetch(`${sb.url}${path}?follow=true&tailLines=0`, { signal: ctrl.signal });
  const reader = follow.body!.getReader();
  const hit = `/api/v1/namespaces/default/pods/${pod.metadata.name}:5000/proxy/followed`;
  assert.equal((await get(hit)).status, 200);
  let seen = '';
  while (!seen.includes('GET /followed HTTP/1.1')) seen += new TextDecoder().decode((await reader.read()).value);
  assert.match(seen, /"GET \/followed HTTP\/1.1" 200 -/);
  ctrl.abort();
  await reader.cancel().catch(() => {});
});

test('the Service\'s Endpoints list its Ready Pods', async () => {
  await waitUntil('rollout', () => rolledOut(getDeployment()));
  const endpoints = await waitUntil('two ready addresses', () => {
    const ep = sb.store.get(res('', 'Endpoints'), 'default', APP) as (KubeObject & { subsets?: { addresses?: { ip: string; targetRef: { name: string } }[]; ports: { port: number }[] }[] }) | undefined;
    return ep?.subsets?.[0]?.addresses?.length === 2 && !ep.subsets[0]!.addresses!.some((a) => !pods().some((p) => p.metadata.name === a.targetRef.name && !p.metadata.deletionTimestamp)) && ep;
  });
  assert.deepEqual(endpoints.subsets![0]!.ports, [{ port: 5000, protocol: 'TCP' }]);
  for (const a of endpoints.subsets![0]!.addresses!) assert.match(a.ip, /^10\.244\.\d+\.\d+$/);
});

test('pods/log?previous=true is the run that exited, from the moment it exited; a container that never exited has none', async () => {
  sb.hooks.images.setRule('example/crasher:1', 'crash');
  sb.store.create(res('apps', 'Deployment'), deployment('crasher', 'example/crasher:1', { replicas: 1 }), { fieldManager: 'test' });
  const restarts = (p: KubeObject) => (p.status as { containerStatuses?: { restartCount?: number }[] } | undefined)?.containerStatuses?.[0]?.restartCount ?? 0;
  const crashed = await waitUntil('a crash', () => pods().find((p) => p.spec.containers[0]!.image === 'example/crasher:1' && restarts(p) >= 1));
  const previous = await get(`/api/v1/namespaces/default/pods/${crashed.metadata.name}/log?previous=true`);
  assert.equal(previous.status, 200, previous.text);
  assert.match(previous.text, /example\/crasher:1: fatal error, exiting with code 1\n$/);

  const healthy = pods().find((p) => p.metadata.labels?.app === APP && !p.metadata.deletionTimestamp && restarts(p) === 0)!;
  const none = await get(`/api/v1/namespaces/default/pods/${healthy.metadata.name}/log?previous=true`);
  assert.equal(none.status, 400);
  assert.match(JSON.parse(none.text).message, /^previous terminated container "hello-world-flask" in pod "hello-world-flask-/);
});
