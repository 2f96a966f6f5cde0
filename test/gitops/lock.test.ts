import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiServer } from './kube.js';
import { ExitCode, GdeployError } from '../../src/engine/errors.js';
import { acquireAppLock, lockRef, microTime, type LeaseHolder } from '../../src/engine/lock.js';

const server = apiServer();

const opts = (app: string, extra: Partial<Parameters<typeof acquireAppLock>[1]> = {}) => ({
  app,
  namespace: 'default',
  operation: 'sync',
  waitMs: 0,
  ...extra,
});

test('a held lock is refused with exit code LOCKED, naming the holder and when its lease expires', async () => {
  const held = await acquireAppLock(server.kube, opts('one'));
  const lease = await server.kube.get(lockRef('one', 'default'));
  const spec = lease.spec as { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
  assert.equal(spec.holderIdentity, held.identity);
  assert.match(held.identity, new RegExp(`@.+ pid ${process.pid} \\(sync\\)$`));
  assert.equal(spec.leaseDurationSeconds, 30);
  assert.match(spec.renewTime, /\.\d{6}Z$/, 'MicroTime');

  const err = await acquireAppLock(server.kube, opts('one', { operation: 'rollback' })).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof GdeployError);
  assert.equal(err.exitCode, ExitCode.LOCKED);
  assert.match(err.message, /^app default\/one is locked by .* pid \d+ \(sync\) since .*; the lease expires at .* \(in \d+s\) unless its holder renews it$/);

  await held.release();
  const again = await acquireAppLock(server.kube, opts('one'));
  await again.release();
});

test('a waiter gets the lock when the holder releases it', async () => {
  const held = await acquireAppLock(server.kube, opts('two'));
  const waits: LeaseHolder[] = [];
  const waiter = acquireAppLock(server.kube, opts('two', { waitMs: 30_000, onWait: (h) => waits.push(h) }));
  while (waits.length === 0) await new Promise((r) => setTimeout(r, 20));
  assert.equal(waits[0]!.identity, held.identity);
  await held.release();
  const got = await waiter;
  const lease = await server.kube.get(lockRef('two', 'default'));
  assert.equal((lease.spec as { leaseTransitions: number }).leaseTransitions, 1);
  await got.release();
});

test("a killed holder's expired lease is taken over, and the takeover is reported", async () => {
  const past = new Date(Date.now() - 60_000);
  await server.kube.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'gdeploy-lock.three', namespace: 'default' },
    spec: { holderIdentity: 'bob@build-7 pid 99 (sync)', leaseDurationSeconds: 15, acquireTime: microTime(past), renewTime: microTime(past) },
  });
  let previous: LeaseHolder | undefined;
  const got = await acquireAppLock(server.kube, opts('three', { onTakeover: (h) => (previous = h) }));
  assert.equal(previous?.identity, 'bob@build-7 pid 99 (sync)');
  assert.equal(previous?.expires?.getTime(), past.getTime() + 15_000);
  await got.release();
});

test('the holder renews its lease while it works; losing it to someone else is signalled', async () => {
  const held = await acquireAppLock(server.kube, opts('four', { leaseSeconds: 1 }));
  const before = ((await server.kube.get(lockRef('four', 'default'))).spec as { renewTime: string }).renewTime;
  let renewed = before;
  while (renewed === before) {
    await new Promise((r) => setTimeout(r, 50));
    renewed = ((await server.kube.get(lockRef('four', 'default'))).spec as { renewTime: string }).renewTime;
  }
  assert.ok(Date.parse(renewed) > Date.parse(before));
  // Someone rewrites the lease behind our back: the next renewal conflicts.
  const lease = await server.kube.get(lockRef('four', 'default'));
  await server.kube.update({ ...lease, spec: { ...(lease.spec as object), holderIdentity: 'intruder' } });
  while (!held.lost.aborted) await new Promise((r) => setTimeout(r, 50));
  await held.release();
  assert.equal(((await server.kube.get(lockRef('four', 'default'))).spec as { holderIdentity: string }).holderIdentity, 'intruder');
});

test('a renewal whose earlier write went through unanswered (409 on a stale version) keeps the lock', async () => {
  const held = await acquireAppLock(server.kube, opts('five', { leaseSeconds: 1 }));
  // What a lost answer leaves behind: the lease moved on, still ours, and our copy is stale.
  const lease = await server.kube.get(lockRef('five', 'default'));
  const moved = await server.kube.update({ ...lease, spec: { ...(lease.spec as object), renewTime: microTime(new Date()) } });
  let rv = moved.metadata.resourceVersion;
  for (let i = 0; rv === moved.metadata.resourceVersion; i++) {
    assert.ok(i < 200, 'the lease is renewed within 10 s');
    await new Promise((r) => setTimeout(r, 50));
    rv = (await server.kube.get(lockRef('five', 'default'))).metadata.resourceVersion;
  }
  assert.equal(held.lost.aborted, false, 'the lock is still held');
  await held.release();
  assert.equal(((await server.kube.get(lockRef('five', 'default'))).spec as { holderIdentity?: string }).holderIdentity, undefined, 'released');
});

test('a lease of another name is held the same way; a holder that cannot renew in time gives it up before it expires', async () => {
  let broken = false;
  // The same server, with renewals that fail as a network that went away would make them fail.
  const flaky = new Proxy(server.kube, {
    get(target, key) {
      if (key === 'update' && broken) return async () => Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const held = await acquireAppLock(flaky, opts('six', { name: 'gdeploy-leader.six', leaseSeconds: 3 }));
  const lease = await server.kube.get(lockRef('six', 'default', 'gdeploy-leader.six'));
  assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, held.identity);
  assert.equal(await server.kube.find(lockRef('six', 'default')), undefined, 'the app lock is another lease');
  broken = true;
  while (!held.lost.aborted) await new Promise((r) => setTimeout(r, 50));
  assert.match(String((held.lost.reason as Error).message), /could not renew the lease Lease\/default\/gdeploy-leader\.six in time/);
  await held.release();
});
