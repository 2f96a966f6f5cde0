import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiServer } from './kube.js';
import { lockRef, microTime } from '../../src/engine/lock.js';
import { checkLeaderFlags, reachableHookUrl, whileLeading } from '../../src/gitops/leader.js';

const server = apiServer();

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 1200) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A candidate whose work runs until its signal fires. */
function candidate(name: string, stop: AbortSignal) {
  const log: string[] = [];
  const c = {
    log,
    runs: 0,
    done: whileLeading({ kube: server.kube, app: 'web', namespace: 'default', leaseSeconds: 2, stop, log: (l) => log.push(l) }, async (signal) => {
      c.runs++;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return name;
    }),
  };
  return c;
}

test('one replica leads and the other stands by; a leader whose Lease is taken stops its work and stands by; a new leader follows', async () => {
  const stop = new AbortController();
  const a = candidate('a', stop.signal);
  await until('a leads', () => a.log.some((l) => l.startsWith('leading: ')));
  const b = candidate('b', stop.signal);
  await until('b stands by', () => b.log.some((l) => /^standing by: .* leads \(Lease default\/gdeploy-leader\.web\)/.test(l)));
  assert.equal(b.runs, 0);
  const identity = a.log.find((l) => l.startsWith('leading: '))!.replace(/^leading: (.*) holds .*$/, '$1');
  assert.ok(b.log.some((l) => l.includes(`${identity} leads`)), 'the replica that stands by names the leader');

  // Someone else writes the Lease: the leader's next renewal finds out and it stops leading.
  const ref = lockRef('web', 'default', 'gdeploy-leader.web');
  const lease = await server.kube.get(ref);
  const now = microTime(new Date());
  await server.kube.update({ ...lease, spec: { ...(lease.spec as object), holderIdentity: 'intruder', acquireTime: now, renewTime: now, leaseDurationSeconds: 2 } });
  await until('a stops leading', () => a.log.some((l) => /^no longer leading: lost Lease\/default\/gdeploy-leader\.web: it was changed by someone else; stopped deploying, standing by$/.test(l)));
  // The intruder never renews: once its Lease runs out, one of the two leads again.
  await until('a new leader', () => a.runs + b.runs === 2);

  stop.abort();
  const results = await Promise.all([a.done, b.done]);
  assert.deepEqual(results, ['a', b.runs > 0 ? 'b' : undefined], 'each returns what its last work did');
  const released = await server.kube.get(ref);
  assert.equal((released.spec as { holderIdentity?: string }).holderIdentity, undefined, 'the Lease is handed back on stop');
});

test('--leader-elect needs --watch; the hidden lease duration is whole seconds, at least one', () => {
  const check = (flags: Parameters<typeof checkLeaderFlags>[0]) => {
    const problems: string[] = [];
    return { seconds: checkLeaderFlags(flags, problems), problems };
  };
  assert.deepEqual(check({ watch: true, leaderElect: true, leaderLeaseDuration: '15s' }), { seconds: 15, problems: [] });
  assert.deepEqual(check({ watch: true, leaderElect: true, leaderLeaseDuration: '2500ms' }), { seconds: 3, problems: [] });
  assert.match(check({ watch: false, leaderElect: true, leaderLeaseDuration: '15s' }).problems.join(), /--leader-elect needs --watch/);
  assert.match(check({ watch: true, leaderElect: true, leaderLeaseDuration: '10ms' }).problems.join(), /must be at least 1s/);
});

test("where other replicas reach the leader's webhooks: the address listened on, else one of this machine's", () => {
  assert.equal(reachableHookUrl('127.0.0.1', 8080), 'http://127.0.0.1:8080/hook');
  assert.equal(reachableHookUrl('::1', 8080), 'http://[::1]:8080/hook');
  const any = reachableHookUrl('0.0.0.0', 8080);
  if (any !== undefined) assert.match(any, /^http:\/\/(?!0\.0\.0\.0)[\d.]+:8080\/hook$/);
});
