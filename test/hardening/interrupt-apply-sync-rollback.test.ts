// SIGINT / SIGTERM during apply, sync or rollback: gdeploy starts no new
// write, lets the writes in flight finish, records the revision as interrupted
// in history, releases the app's lock and exits 130 (SIGINT) or 143 (SIGTERM).
// The sandbox answers ConfigMap writes slowly so that the signal lands while a
// few hundred objects are being applied; the checks are what a user would see
// afterwards: the cluster, the printed change set, `gdeploy history`, the Lease.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gitopsSuite, type Background } from '../helpers/gitrepo.js';
import type { KubeObject } from '../../src/sandbox/types.js';
import { eachUntilHalted } from '../../src/engine/pool.js';

const suite = gitopsSuite();
/** Objects per deploy; the plain apply takes a few hundred, the others fewer to keep the file short. */
const COUNT = 80;
const MANY = 240;
const CONCURRENCY = ['--concurrency', '2'];

/**
 * Writes of the ConfigMaps `prefix-*` answer late: slow enough that a signal
 * lands mid-apply, fast enough to keep the file short. It lasts for one plan
 * (dry runs) and one apply, and touches no other test's objects.
 */
function slowWrites(prefix: string, count = COUNT): void {
  suite.cluster.sandbox.hooks.faults.delay({ path: `/configmaps/${prefix}-`, verb: 'patch', ms: 50, count: 2 * count });
}

function configMaps(prefix: string, n: number, value: string): string {
  return Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${i}\ndata:\n  v: "${value}"\n`).join('---\n');
}

/** ConfigMaps of namespace default whose name starts with `prefix-`, by name. */
function live(prefix: string): Map<string, KubeObject> {
  const store = suite.cluster.sandbox.store;
  const items = store.list(store.resourceFor('', 'ConfigMap')!, 'default').items;
  return new Map(items.filter((o) => o.metadata.name?.startsWith(`${prefix}-`)).map((o) => [o.metadata.name!, o]));
}

/** Sends `signal` once `ready()` holds (some objects written, not all), and waits for the exit. */
async function interruptWhen(bg: Background, ready: () => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; out: string }> {
  for (let i = 0; i < 3000 && !ready(); i++) await sleep(10);
  assert.ok(ready(), `the writes never started; output:\n${bg.output()}`);
  const { code } = await bg.stop(signal);
  return { code, out: bg.output() };
}

interface Revision {
  action: string;
  result: string;
  reason?: string;
  sha?: string;
}

/** A key of the app's ConfigMap `gdeploy.<app>`, parsed: `history` is what `gdeploy history` reads, `objects` the inventory. */
function appRecord<T>(app: string, key: 'history' | 'objects'): T[] {
  const cm = suite.cluster.get('', 'ConfigMap', `gdeploy.${app}`);
  return JSON.parse((cm?.data as Record<string, string> | undefined)?.[key] ?? '[]') as T[];
}

/** The app's revisions, newest first. */
function history(app: string): Revision[] {
  return appRecord<Revision>(app, 'history').reverse();
}

/** Names of the ConfigMaps the app's inventory lists. */
function inventoryNames(app: string): Set<string> {
  const refs = appRecord<{ kind: string; name: string }>(app, 'objects');
  return new Set(refs.filter((r) => r.kind === 'ConfigMap').map((r) => r.name));
}

function assertLockReleased(app: string): void {
  const lease = suite.cluster.get('coordination.k8s.io', 'Lease', `gdeploy-lock.${app}`);
  assert.equal((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity, undefined, `the lock of ${app} is released`);
}

/** The printed change set: every line says created/configured, or skipped with the signal as reason, and agrees with the cluster. */
function assertChangeSetMatches(
  out: string,
  prefix: string,
  signal: string,
  written: 'created' | 'configured',
  isWritten: (o: KubeObject | undefined) => boolean,
  { count = COUNT, notPruned = 0 } = {},
): void {
  const cluster = live(prefix);
  const lines = out.split('\n').filter((l) => l.startsWith(`configmap/${prefix}-`));
  assert.equal(lines.length, count, `one line per object:\n${out}`);
  let done = 0;
  for (const line of lines) {
    const [, name, what] = /^configmap\/(\S+) (.*)$/.exec(line)!;
    if (what === written) {
      done++;
      assert.ok(isWritten(cluster.get(name!)), `${name} was reported ${written} and is so in the cluster`);
    } else {
      assert.equal(what, `skipped: not applied: interrupted by ${signal}`);
      assert.ok(!isWritten(cluster.get(name!)), `${name} was reported skipped and was not written`);
    }
  }
  assert.ok(done > 0 && done < count, `the signal landed mid-apply (${done} of ${count} written)`);
  assert.match(out, new RegExp(`interrupted by ${signal}: ${done} objects written, ${count - done + notPruned} objects left for the next run`));
}

async function manifestDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gdeploy-interrupt-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

test('stop starting new writes, finish in-flight ones: the pool takes no item after the halt and lets running calls end', async () => {
  const halt = new AbortController();
  const finished: number[] = [];
  const items = Array.from({ length: 20 }, (_, i) => i);
  const notStarted = await eachUntilHalted(
    items,
    4,
    async (i) => {
      if (i === 5) halt.abort(new Error('interrupted by SIGINT'));
      await sleep(5);
      finished.push(i);
    },
    halt.signal,
  );
  assert.deepEqual(finished.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5], 'every call started ran to its end');
  assert.deepEqual(notStarted, items.slice(6), 'the rest is handed back, in order, untouched');
});

// Each test has its own app and objects: they run side by side.
describe('SIGINT / SIGTERM during apply, sync or rollback', { concurrency: true }, () => {
  test('SIGINT during apply: stop starting new writes, record the revision as interrupted in history, release the app lock, exit 130', async (t) => {
    const dir = await manifestDir({ 'cms.yaml': configMaps('int', MANY, '1') });
    t.after(() => rm(dir, { recursive: true, force: true }));
    slowWrites('int', MANY);

    const bg = suite.cluster.spawn(['apply', '-f', dir, '--app', 'int', '--concurrency', '4']);
    const { code, out } = await interruptWhen(bg, () => live('int').size >= 20, 'SIGINT');
    assert.equal(code, 130, out);
    assertChangeSetMatches(out, 'int', 'SIGINT', 'created', (o) => o !== undefined, { count: MANY });
    const firstRun = live('int');

    const [last] = history('int');
    assert.equal(last?.action, 'apply');
    assert.equal(last?.result, 'interrupted');
    assert.match(last?.reason ?? '', /^interrupted by SIGINT/);
    assertLockReleased('int');
    const listed = inventoryNames('int');
    for (const name of firstRun.keys()) assert.ok(listed.has(name), `the inventory lists ${name}, which exists`);

    const again = await suite.cluster.gdeploy(['apply', '-f', dir, '--app', 'int', '--lock-timeout', '0s']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /waiting for/, 'the lock was free');
    const all = live('int');
    assert.equal(all.size, MANY, 'every object exists once');
    for (const [name, o] of firstRun) assert.equal(all.get(name)?.metadata.uid, o.metadata.uid, `${name} was not created twice`);
    assert.equal((history('int'))[0]?.result, 'succeeded');
  });

  test('SIGINT during apply --prune: the interrupted apply prunes nothing, the rerun prunes exactly the objects removed from the manifests', async (t) => {
    const dir = await manifestDir({ 'cms.yaml': configMaps('keep', COUNT, '1'), 'old.yaml': configMaps('gone', 5, '1') });
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await suite.cluster.gdeploy(['apply', '-f', dir, '--app', 'prn', '--prune']);
    assert.equal(first.code, 0, first.stderr);
    await rm(join(dir, 'old.yaml'));
    await writeFile(join(dir, 'cms.yaml'), configMaps('keep', COUNT, '2'));

    slowWrites('keep');
    const isNew = (o: KubeObject | undefined) => (o?.data as Record<string, string> | undefined)?.v === '2';
    const bg = suite.cluster.spawn(['apply', '-f', dir, '--app', 'prn', '--prune', ...CONCURRENCY]);
    const { code, out } = await interruptWhen(bg, () => [...live('keep').values()].filter(isNew).length >= 20, 'SIGINT');
    assert.equal(code, 130, out);
    assertChangeSetMatches(out, 'keep', 'SIGINT', 'configured', isNew, { notPruned: 5 });
    for (let i = 0; i < 5; i++) assert.match(out, new RegExp(`^configmap/gone-${i} skipped: not pruned: interrupted by SIGINT$`, 'm'));
    assert.equal(live('gone').size, 5, 'nothing pruned');
    assert.equal(live('keep').size, COUNT);
    for (let i = 0; i < 5; i++) assert.ok(inventoryNames('prn').has(`gone-${i}`), 'what was not pruned stays in the inventory');

    const again = await suite.cluster.gdeploy(['apply', '-f', dir, '--app', 'prn', '--prune']);
    assert.equal(again.code, 0, again.stderr);
    const pruned = again.stdout.split('\n').filter((l) => l.endsWith(' pruned')).sort();
    assert.deepEqual(pruned, [0, 1, 2, 3, 4].map((i) => `configmap/gone-${i} pruned`));
    assert.equal(live('gone').size, 0);
    assert.equal([...live('keep').values()].filter(isNew).length, COUNT, 'every kept object is up to date');
  });

  test('SIGTERM during sync --repo: stop starting new writes, record the revision as interrupted in history, release the app lock, exit 143', async () => {
    const r = await suite.repo('term-sync');
    const sha = await r.commit({ 'cms.yaml': configMaps('ts', COUNT, '1') });
    slowWrites('ts');

    const bg = suite.cluster.spawn(['sync', '--repo', r.remote, ...CONCURRENCY]);
    const { code, out } = await interruptWhen(bg, () => live('ts').size >= 20, 'SIGTERM');
    assert.equal(code, 143, out);
    assertChangeSetMatches(out, 'ts', 'SIGTERM', 'created', (o) => o !== undefined);
    assert.match(out, new RegExp(`main@sha1:${sha} \\(revision 1\\) interrupted: interrupted by SIGTERM`));
    const [last] = history('term-sync');
    assert.deepEqual([last?.action, last?.result, last?.sha], ['sync', 'interrupted', sha]);
    assertLockReleased('term-sync');
    const listed = inventoryNames('term-sync');
    for (const name of live('ts').keys()) assert.ok(listed.has(name), `the inventory lists ${name}, which exists`);

    const again = await suite.cluster.gdeploy(['sync', '--repo', r.remote, '--lock-timeout', '0s']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(live('ts').size, COUNT);
    const [done] = history('term-sync');
    assert.deepEqual([done?.action, done?.result, done?.sha], ['sync', 'succeeded', sha]);
  });

  test('SIGTERM during rollback <sha>: stop starting new writes, record the revision as interrupted in history, release the app lock, exit 143', async () => {
    const r = await suite.repo('term-rollback');
    const good = await r.commit({ 'cms.yaml': configMaps('tr', COUNT, 'good') }, 'good');
    assert.equal((await suite.cluster.gdeploy(['sync', '--repo', r.remote])).code, 0);
    await r.commit({ 'cms.yaml': configMaps('tr', COUNT, 'bad') }, 'bad');
    assert.equal((await suite.cluster.gdeploy(['sync', '--repo', r.remote])).code, 0);

    slowWrites('tr');
    const isGood = (o: KubeObject | undefined) => (o?.data as Record<string, string> | undefined)?.v === 'good';
    const bg = suite.cluster.spawn(['rollback', good.slice(0, 12), '--app', 'term-rollback', ...CONCURRENCY]);
    const { code, out } = await interruptWhen(bg, () => [...live('tr').values()].filter(isGood).length >= 20, 'SIGTERM');
    assert.equal(code, 143, out);
    assertChangeSetMatches(out, 'tr', 'SIGTERM', 'configured', isGood);
    const [last] = history('term-rollback');
    assert.deepEqual([last?.action, last?.result, last?.sha], ['rollback', 'interrupted', good]);
    assertLockReleased('term-rollback');

    const again = await suite.cluster.gdeploy(['rollback', good, '--app', 'term-rollback', '--lock-timeout', '0s']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal([...live('tr').values()].filter(isGood).length, COUNT, 'every object is back at the rollback target');
    const [done] = history('term-rollback');
    assert.deepEqual([done?.action, done?.result, done?.sha], ['rollback', 'succeeded', good]);
  });
  test('SIGTERM during sync --watch mid-apply: the pass is recorded as interrupted in history, the app lock released, exit 143', async () => {
    const r = await suite.repo('term-watch');
    const sha = await r.commit({ 'cms.yaml': configMaps('tw', COUNT, '1') });
    slowWrites('tw');
    const bg = suite.cluster.spawn(['sync', '--repo', r.remote, '--watch', '--interval', '1s', ...CONCURRENCY]);
    const { code, out } = await interruptWhen(bg, () => live('tw').size >= 20, 'SIGTERM');
    assert.equal(code, 143, out);
    assert.ok(live('tw').size < COUNT, 'stopped before the end');
    const [last] = history('term-watch');
    assert.deepEqual([last?.action, last?.result, last?.sha], ['sync', 'interrupted', sha]);
    assertLockReleased('term-watch');
  });

  test('a second SIGINT during apply stops at once, and still every object that exists is in the inventory', async (t) => {
    const dir = await manifestDir({ 'cms.yaml': configMaps('twice', COUNT, '1') });
    t.after(() => rm(dir, { recursive: true, force: true }));
    slowWrites('twice');
    // Recording the interrupted revision (a PUT of the history) hangs long enough for a second signal to land.
    suite.cluster.sandbox.hooks.faults.delay({ path: '/configmaps/gdeploy.twice', verb: 'update', ms: 3000 });
    const bg = suite.cluster.spawn(['apply', '-f', dir, '--app', 'twice', ...CONCURRENCY]);
    for (let i = 0; i < 3000 && live('twice').size < 20; i++) await sleep(10);
    const from = bg.output().length;
    const first = bg.stop('SIGINT');
    await bg.waitFor(/SIGINT: starting no new write/, from);
    const { code, signal } = await bg.stop('SIGINT');
    await first;
    assert.deepEqual([code, signal], [null, 'SIGINT'], 'killed by the second signal');
    const listed = inventoryNames('twice');
    for (const name of live('twice').keys()) assert.ok(listed.has(name), `the inventory lists ${name}, which exists`);
  });
});
