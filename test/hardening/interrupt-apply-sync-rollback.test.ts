// SIGINT / SIGTERM during apply, sync or rollback: gdeploy starts no new
// write, lets the writes in flight finish, records the revision as interrupted
// in history, releases the app's lock and exits 130 (SIGINT) or 143 (SIGTERM).
// The signal is sent once gdeploy's -v log shows 20 writes of the objects done,
// so that it lands while the rest are being applied; on a sandbox the writes
// are also answered late, to keep that window wide on a busy machine. The
// checks are what a user would see afterwards: the cluster, the printed change
// set, `gdeploy history`, the Lease.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gitopsSuite } from '../helpers/gitrepo.js';
import { ON_GIVEN_CLUSTER, sandboxOnly, type Background, type Cluster } from '../helpers/cluster.js';
import type { KubeObject } from '../../src/kube/types.js';
import { eachUntilHalted } from '../../src/engine/pool.js';

const suite = gitopsSuite();
/**
 * Objects per deploy; the plain apply takes a few hundred, the others fewer to
 * keep the file short. A cluster answers without the sandbox's delays: more
 * objects keep the signal landing mid-apply.
 */
const COUNT = ON_GIVEN_CLUSTER ? 160 : 80;
const MANY = 240;
const CONCURRENCY = ['--concurrency', '2'];

/**
 * On a sandbox, writes of the ConfigMaps `prefix-*` answer late: slow enough
 * that a signal lands mid-apply, fast enough to keep the file short. It lasts
 * for one plan (dry runs) and one apply, and touches no other test's objects.
 */
function slowWrites(c: Cluster, prefix: string, count = COUNT): void {
  c.sandbox?.hooks.faults.delay({ path: `/namespaces/${c.ns}/configmaps/${prefix}-`, verb: 'patch', ms: 50, count: 2 * count });
}

function configMaps(prefix: string, n: number, value: string): string {
  return Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${i}\ndata:\n  v: "${value}"\n`).join('---\n');
}

/** ConfigMaps of the test's namespace whose name starts with `prefix-`, by name. */
async function live(c: Cluster, prefix: string): Promise<Map<string, KubeObject>> {
  const { items } = (await c.get('configmaps')) as { items: KubeObject[] };
  return new Map(items.filter((o) => o.metadata.name?.startsWith(`${prefix}-`)).map((o) => [o.metadata.name!, o]));
}

/**
 * Sends `signal` once the -v log shows `writes` real (not dry-run) writes of
 * the ConfigMaps `prefix-*` answered, and waits for the exit.
 */
async function interruptAfter(bg: Background, prefix: string, writes: number, signal: NodeJS.Signals): Promise<{ code: number | null; out: string }> {
  const write = new RegExp(`^PATCH \\S*/configmaps/${prefix}-\\d+\\?(?![^ ]*dryRun)\\S* 2\\d\\d in`, 'gm');
  await bg.waitFor((out) => (out.match(write)?.length ?? 0) >= writes);
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
async function appRecord<T>(c: Cluster, app: string, key: 'history' | 'objects'): Promise<T[]> {
  const cm = await c.get(`configmap/gdeploy.${app}`);
  return JSON.parse(cm?.data?.[key] ?? '[]') as T[];
}

/** The app's revisions, newest first. */
async function history(c: Cluster, app: string): Promise<Revision[]> {
  return (await appRecord<Revision>(c, app, 'history')).reverse();
}

/** Names of the ConfigMaps the app's inventory lists. */
async function inventoryNames(c: Cluster, app: string): Promise<Set<string>> {
  const refs = await appRecord<{ kind: string; name: string }>(c, app, 'objects');
  return new Set(refs.filter((r) => r.kind === 'ConfigMap').map((r) => r.name));
}

async function assertLockReleased(c: Cluster, app: string): Promise<void> {
  const lease = await c.get(`lease/gdeploy-lock.${app}`);
  assert.equal(lease?.spec?.holderIdentity, undefined, `the lock of ${app} is released`);
}

/** The printed change set: every line says created/configured, or skipped with the signal as reason, and agrees with the cluster. */
async function assertChangeSetMatches(
  c: Cluster,
  out: string,
  prefix: string,
  signal: string,
  written: 'created' | 'configured',
  isWritten: (o: KubeObject | undefined) => boolean,
  { count = COUNT, notPruned = 0 } = {},
): Promise<void> {
  const cluster = await live(c, prefix);
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

// Each test has its own app, objects and namespace: they run side by side.
describe('SIGINT / SIGTERM during apply, sync or rollback', { concurrency: true }, () => {
  test('SIGINT during apply: stop starting new writes, record the revision as interrupted in history, release the app lock, exit 130', async (t) => {
    const c = await suite.cluster(t);
    const dir = await manifestDir({ 'cms.yaml': configMaps('int', MANY, '1') });
    t.after(() => rm(dir, { recursive: true, force: true }));
    slowWrites(c, 'int', MANY);

    const bg = c.spawn(['apply', '-f', dir, '--app', 'int', '--concurrency', '4', '-v']);
    const { code, out } = await interruptAfter(bg, 'int', 20, 'SIGINT');
    assert.equal(code, 130, out);
    await assertChangeSetMatches(c, out, 'int', 'SIGINT', 'created', (o) => o !== undefined, { count: MANY });
    const firstRun = await live(c, 'int');

    const [last] = await history(c, 'int');
    assert.equal(last?.action, 'apply');
    assert.equal(last?.result, 'interrupted');
    assert.match(last?.reason ?? '', /^interrupted by SIGINT/);
    await assertLockReleased(c, 'int');
    const listed = await inventoryNames(c, 'int');
    for (const name of firstRun.keys()) assert.ok(listed.has(name), `the inventory lists ${name}, which exists`);

    const again = await c.gdeploy(['apply', '-f', dir, '--app', 'int', '--lock-timeout', '0s']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /waiting for/, 'the lock was free');
    const all = await live(c, 'int');
    assert.equal(all.size, MANY, 'every object exists once');
    for (const [name, o] of firstRun) assert.equal(all.get(name)?.metadata.uid, o.metadata.uid, `${name} was not created twice`);
    assert.equal((await history(c, 'int'))[0]?.result, 'succeeded');
  });

  test('SIGINT during apply --prune: the interrupted apply prunes nothing, the rerun prunes exactly the objects removed from the manifests', async (t) => {
    const c = await suite.cluster(t);
    const dir = await manifestDir({ 'cms.yaml': configMaps('keep', COUNT, '1'), 'old.yaml': configMaps('gone', 5, '1') });
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await c.gdeploy(['apply', '-f', dir, '--app', 'prn', '--prune']);
    assert.equal(first.code, 0, first.stderr);
    await rm(join(dir, 'old.yaml'));
    await writeFile(join(dir, 'cms.yaml'), configMaps('keep', COUNT, '2'));

    slowWrites(c, 'keep');
    const isNew = (o: KubeObject | undefined) => (o?.data as Record<string, string> | undefined)?.v === '2';
    const bg = c.spawn(['apply', '-f', dir, '--app', 'prn', '--prune', '-v', ...CONCURRENCY]);
    const { code, out } = await interruptAfter(bg, 'keep', 20, 'SIGINT');
    assert.equal(code, 130, out);
    await assertChangeSetMatches(c, out, 'keep', 'SIGINT', 'configured', isNew, { notPruned: 5 });
    for (let i = 0; i < 5; i++) assert.match(out, new RegExp(`^configmap/gone-${i} skipped: not pruned: interrupted by SIGINT$`, 'm'));
    assert.equal((await live(c, 'gone')).size, 5, 'nothing pruned');
    assert.equal((await live(c, 'keep')).size, COUNT);
    const listed = await inventoryNames(c, 'prn');
    for (let i = 0; i < 5; i++) assert.ok(listed.has(`gone-${i}`), 'what was not pruned stays in the inventory');

    const again = await c.gdeploy(['apply', '-f', dir, '--app', 'prn', '--prune']);
    assert.equal(again.code, 0, again.stderr);
    const pruned = again.stdout.split('\n').filter((l) => l.endsWith(' pruned')).sort();
    assert.deepEqual(pruned, [0, 1, 2, 3, 4].map((i) => `configmap/gone-${i} pruned`));
    assert.equal((await live(c, 'gone')).size, 0);
    assert.equal([...(await live(c, 'keep')).values()].filter(isNew).length, COUNT, 'every kept object is up to date');
  });

  test('SIGTERM during sync --repo: stop starting new writes, record the revision as interrupted in history, release the app lock, exit 143', async (t) => {
    const c = await suite.cluster(t);
    const r = await suite.repo('term-sync');
    const sha = await r.commit({ 'cms.yaml': configMaps('ts', COUNT, '1') });
    slowWrites(c, 'ts');

    const bg = c.spawn(['sync', '--repo', r.remote, '-v', ...CONCURRENCY]);
    const { code, out } = await interruptAfter(bg, 'ts', 20, 'SIGTERM');
    assert.equal(code, 143, out);
    await assertChangeSetMatches(c, out, 'ts', 'SIGTERM', 'created', (o) => o !== undefined);
    assert.match(out, new RegExp(`main@sha1:${sha} \\(revision 1\\) interrupted: interrupted by SIGTERM`));
    const [last] = await history(c, 'term-sync');
    assert.deepEqual([last?.action, last?.result, last?.sha], ['sync', 'interrupted', sha]);
    await assertLockReleased(c, 'term-sync');
    const listed = await inventoryNames(c, 'term-sync');
    for (const name of (await live(c, 'ts')).keys()) assert.ok(listed.has(name), `the inventory lists ${name}, which exists`);

    const again = await c.gdeploy(['sync', '--repo', r.remote, '--lock-timeout', '0s']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await live(c, 'ts')).size, COUNT);
    const [done] = await history(c, 'term-sync');
    assert.deepEqual([done?.action, done?.result, done?.sha], ['sync', 'succeeded', sha]);
  });

  test('SIGTERM during rollback <sha>: stop starting new writes, record the revision as interrupted in history, release the app lock, exit 143', async (t) => {
    const c = await suite.cluster(t);
    const r = await suite.repo('term-rollback');
    const good = await r.commit({ 'cms.yaml': configMaps('tr', COUNT, 'good') }, 'good');
    assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);
    await r.commit({ 'cms.yaml': configMaps('tr', COUNT, 'bad') }, 'bad');
    assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);

    slowWrites(c, 'tr');
    const isGood = (o: KubeObject | undefined) => (o?.data as Record<string, string> | undefined)?.v === 'good';
    const bg = c.spawn(['rollback', good.slice(0, 12), '--app', 'term-rollback', '-v', ...CONCURRENCY]);
    const { code, out } = await interruptAfter(bg, 'tr', 20, 'SIGTERM');
    assert.equal(code, 143, out);
    await assertChangeSetMatches(c, out, 'tr', 'SIGTERM', 'configured', isGood);
    const [last] = await history(c, 'term-rollback');
    assert.deepEqual([last?.action, last?.result, last?.sha], ['rollback', 'interrupted', good]);
    await assertLockReleased(c, 'term-rollback');

    const again = await c.gdeploy(['rollback', good, '--app', 'term-rollback', '--lock-timeout', '0s']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal([...(await live(c, 'tr')).values()].filter(isGood).length, COUNT, 'every object is back at the rollback target');
    const [done] = await history(c, 'term-rollback');
    assert.deepEqual([done?.action, done?.result, done?.sha], ['rollback', 'succeeded', good]);
  });

  test('SIGTERM during sync --watch mid-apply: the pass is recorded as interrupted in history, the app lock released, exit 143', async (t) => {
    const c = await suite.cluster(t);
    const r = await suite.repo('term-watch');
    const sha = await r.commit({ 'cms.yaml': configMaps('tw', COUNT, '1') });
    slowWrites(c, 'tw');
    const bg = c.spawn(['sync', '--repo', r.remote, '--watch', '--interval', '1s', '-v', ...CONCURRENCY]);
    const { code, out } = await interruptAfter(bg, 'tw', 20, 'SIGTERM');
    assert.equal(code, 143, out);
    assert.ok((await live(c, 'tw')).size < COUNT, 'stopped before the end');
    const [last] = await history(c, 'term-watch');
    assert.deepEqual([last?.action, last?.result, last?.sha], ['sync', 'interrupted', sha]);
    await assertLockReleased(c, 'term-watch');
  });

  test('a second SIGINT during apply stops at once, and still every object that exists is in the inventory', { skip: sandboxOnly('fault hooks') }, async (t) => {
    const c = await suite.cluster(t);
    const dir = await manifestDir({ 'cms.yaml': configMaps('twice', COUNT, '1') });
    t.after(() => rm(dir, { recursive: true, force: true }));
    slowWrites(c, 'twice');
    // Recording the interrupted revision (a PUT of the history) hangs long enough for a second signal to land.
    c.sandbox!.hooks.faults.delay({ path: `/namespaces/${c.ns}/configmaps/gdeploy.twice`, verb: 'update', ms: 3000 });
    const bg = c.spawn(['apply', '-f', dir, '--app', 'twice', ...CONCURRENCY]);
    for (let i = 0; i < 3000 && (await live(c, 'twice')).size < 20; i++) await sleep(10);
    const from = bg.output().length;
    const first = bg.stop('SIGINT');
    await bg.waitFor(/SIGINT: starting no new write/, from);
    const { code, signal } = await bg.stop('SIGINT');
    await first;
    assert.deepEqual([code, signal], [null, 'SIGINT'], 'killed by the second signal');
    const listed = await inventoryNames(c, 'twice');
    for (const name of (await live(c, 'twice')).keys()) assert.ok(listed.has(name), `the inventory lists ${name}, which exists`);
  });
});
