// The informer under a server that drops, refuses and forgets: it must end up
// with the server's state and must not hammer a server that keeps failing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeError } from '../../src/kube/errors.js';
import type { KubeObject, ObjectList, WatchEvent } from '../../src/kube/types.js';
import { Informer, type InformerClient } from '../../src/rollout/informer.js';
import { FakeCluster } from './fake-cluster.js';

const type = { apiVersion: 'v1', kind: 'Pod' };

function pod(name: string, phase: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, status: { phase } };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** Runs an informer over `client` for `ms`, then stops it. */
async function runFor(client: InformerClient, ms: number): Promise<Informer> {
  const informer = new Informer(client, { type, namespace: 'default', onChange: () => {} });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await tick(ms);
  stop.abort();
  await running;
  return informer;
}

/** A server whose lists work and whose every watch request fails with `err`. */
function refusingWatches(err: () => unknown): InformerClient & { lists: number; watches: number } {
  return {
    lists: 0,
    watches: 0,
    async list(): Promise<ObjectList> {
      this.lists++;
      return { items: [pod('a', 'Running')], resourceVersion: '7' };
    },
    async watch(): Promise<void> {
      this.watches++;
      throw err();
    },
  };
}

test('watch requests that keep failing are retried with a bounded backoff, not in a hot loop', async () => {
  const server = refusingWatches(() => new KubeError({ code: 500, reason: 'InternalError', message: 'injected' }));
  await runFor(server, 1500);
  // 100 ms doubling to at most 3 s, jittered: a handful of attempts in 1.5 s; a hot loop makes thousands.
  assert.ok(server.watches >= 2, `kept retrying (${server.watches} attempts)`);
  assert.ok(server.watches <= 12, `backed off (${server.watches} attempts)`);
  assert.equal(server.lists, 1, 'a failed watch resumes from the version it had; no new list');
});

test('a watch refused with 410 Gone over and over lists again with a bounded backoff, not in a hot loop', async () => {
  const server = refusingWatches(() => new KubeError({ code: 410, reason: 'Expired', message: 'too old resource version' }));
  const informer = await runFor(server, 1500);
  assert.ok(server.lists >= 2, `listed again after 410 (${server.lists} lists)`);
  assert.ok(server.lists <= 12, `backed off (${server.lists} lists)`);
  assert.ok(informer.relists >= server.lists - 1, 'each list after the first follows a 410');
});

test('a stream that opens with an ERROR 410 event lists again, with a bounded backoff', async () => {
  const server: InformerClient & { lists: number } = {
    lists: 0,
    async list() {
      this.lists++;
      return { items: [], resourceVersion: '3' };
    },
    async watch(_t, _ns, _o, onEvent: (ev: WatchEvent) => void) {
      onEvent({ type: 'ERROR', object: { apiVersion: 'v1', kind: 'Status', metadata: {}, code: 410, reason: 'Expired' } as KubeObject });
    },
  };
  await runFor(server, 1500);
  assert.ok(server.lists >= 2 && server.lists <= 12, `${server.lists} lists`);
});

test('after 410 Gone the cache is what the server holds: changes and deletions made while the watch was down are in', async () => {
  const c = new FakeCluster();
  c.put(pod('a', 'Pending'));
  c.put(pod('b', 'Pending'));
  const changes: string[] = [];
  const informer = new Informer(c, { type, namespace: 'default', onChange: (o, deleted) => changes.push(`${deleted ? 'deleted' : 'changed'} ${o.metadata.name}`) });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await informer.whenSynced();
  await tick();
  c.cutWatches();
  c.put(pod('a', 'Running'));
  c.remove('Pod', 'default', 'b');
  c.put(pod('c', 'Running'));
  c.compact();
  while (informer.get('b') || !informer.get('c')) await tick(10);
  stop.abort();
  await running;
  assert.deepEqual(informer.objects().map((o) => [o.metadata.name, (o.status as { phase: string }).phase]).sort(), [['a', 'Running'], ['c', 'Running']]);
  assert.ok(changes.includes('deleted b'), 'the deletion is reported');
  assert.ok(informer.relists > 0, 'it had to list again');
  assert.equal(c.cutWatches(), 0, 'no watch left open after stop');
});

test('a watch that goes silent (a connection dead without a word) is dropped and watched again; the server is asked to end it too', async () => {
  const asked: (number | undefined)[] = [];
  let served = 0;
  const server: InformerClient = {
    async list(): Promise<ObjectList> {
      return { items: [pod('a', 'Pending')], resourceVersion: '7' };
    },
    // The first stream never says anything and never ends; the second delivers the change.
    async watch(_type, _ns, opts, onEvent, signal): Promise<void> {
      asked.push(opts.timeoutSeconds);
      if (served++ === 0) return new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
      onEvent({ type: 'MODIFIED', object: { ...pod('a', 'Running'), metadata: { name: 'a', namespace: 'default', resourceVersion: '8' } } } as WatchEvent);
      return new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
    },
  };
  const phases: string[] = [];
  const informer = new Informer(server, {
    type,
    namespace: 'default',
    silentStreamMs: 200,
    onChange: (o) => phases.push(String((o.status as { phase?: string }).phase)),
  });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  for (let i = 0; i < 400 && !phases.includes('Running'); i++) await tick(10);
  stop.abort();
  await running;
  assert.deepEqual(phases, ['Running'], 'the change after the silent stream arrived');
  assert.ok(asked.length >= 2, 'watched again');
  for (const t of asked) assert.ok(t !== undefined && t >= 300 && t <= 600, `timeoutSeconds between 5 and 10 minutes: ${t}`);
});
