// The outage clock every request to one server shares: one budget per outage,
// one request at a time checking on an unreachable server while the others
// wait, one notice per tick however many wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServerHealth } from '../../src/kube/outage.js';

const REFUSED = { unreachable: true, cause: 'connection refused' };

test('the budget runs from the first failure of an outage, not of each request, and an answer starts it over', async () => {
  const health = new ServerHealth({ server: 'https://api.example.com', budgetMs: 1_000 });
  const first = health.failed(REFUSED, Date.now());
  await sleep(50);
  const later = health.failed(REFUSED, Date.now());
  assert.equal(later.deadline, first.deadline, 'a request that fails later in the same outage gets what is left of the budget');
  assert.equal(later.spentBefore, false);
  health.answered();
  await sleep(20);
  const next = health.failed(REFUSED, Date.now());
  assert.ok(next.deadline >= first.deadline + 20, 'the next outage gets a budget of its own');
});

test('while the server is unreachable one request probes; the others wait and go once it answers', async () => {
  const health = new ServerHealth({ server: 'https://api.example.com', budgetMs: 10_000 });
  assert.equal(await health.admit(), 'go', 'no outage: every request goes');
  health.failed(REFUSED, Date.now());
  assert.equal(await health.admit(), 'probe');
  const waiting = Array.from({ length: 5 }, () => health.admit());
  let settled = 0;
  for (const w of waiting) void w.then(() => settled++);
  await sleep(20);
  assert.equal(settled, 0, 'the others wait while the probe is out');
  health.answered();
  health.releaseProbe();
  assert.deepEqual(await Promise.all(waiting), ['go', 'go', 'go', 'go', 'go']);
});

test('when the probe gives up, another waiting request takes over; once the budget is spent, the others are not sent', async () => {
  const health = new ServerHealth({ server: 'https://api.example.com', budgetMs: 100 });
  health.failed(REFUSED, Date.now());
  assert.equal(await health.admit(), 'probe');
  const next = health.admit();
  health.releaseProbe(); // a probe that could not be repeated (a POST cut after it was sent)
  assert.equal(await next, 'probe');
  const spent = await health.admit(); // waits out the budget: the probe neither answers nor gives up
  assert.equal(spent, 'spent');
  assert.equal(health.failed(REFUSED, Date.now()).spentBefore, true);
});

test('a waiting request stops waiting when its signal fires', async () => {
  const health = new ServerHealth({ server: 'https://api.example.com', budgetMs: 10_000 });
  health.failed(REFUSED, Date.now());
  await health.admit();
  await assert.rejects(health.admit(AbortSignal.timeout(20)), { name: 'TimeoutError' });
});

test('one notice per tick of an outage, however many requests wait, and none after it ends', async () => {
  const lines: string[] = [];
  const health = new ServerHealth({ server: 'https://api.example.com', budgetMs: 60_000, notify: (l) => lines.push(l) });
  health.failed(REFUSED, Date.now());
  await health.admit();
  const stop = new AbortController();
  const waiting = Array.from({ length: 10 }, () => health.admit(stop.signal).catch(() => undefined));
  await sleep(1_200);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /^the Kubernetes API server at https:\/\/api\.example\.com is unreachable \(connection refused\) for 1s; retrying for up to 59s more$/);
  health.answered();
  health.releaseProbe();
  stop.abort();
  await Promise.all(waiting);
  health.failed({ unreachable: false, cause: '503 Service Unavailable' }, Date.now());
  health.answered();
  await sleep(1_100);
  assert.equal(lines.length, 1, 'an outage over within a second goes unreported');
});
