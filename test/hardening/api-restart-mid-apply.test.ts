// The API server restarts in the middle of an apply of 600 objects: the
// command either finishes after the server is back, or fails saying exactly
// which objects were applied; running it again finishes the job with no
// duplicates and nothing pruned by mistake.
//
// Each test first applies a previous, partly different set (so that --prune
// has real candidates), then applies the 600 objects and takes the API server
// away once 200 of their writes have arrived.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { KubeObject } from '../../src/kube/types.js';
import type { KubeObject as LiveObject } from '../../src/sandbox/types.js';
import { runCli, type RunResult } from '../helpers/cli.js';
import { sandboxOnly } from '../helpers/cluster.js';

const APP = 'big';
const NS = 'default';
const CONFIG_MAPS = 594;
const KEPT = 300; // cm-0000..cm-0299 are in both sets
const GONE = 20; // gone-00..gone-19 are only in the previous set
const OUTAGE_AFTER_WRITES = 200;

type Key = string; // kind/name

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function configMap(name: string, version: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { version } };
}

function deployment(name: string, tag: string): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: `nginx:${tag}` }] } } },
  };
}

function service(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } };
}

/** The previous set: 300 ConfigMaps at version 1, 20 that will leave, 3 Deployments and their Services. */
function previousSet(): KubeObject[] {
  const cms = Array.from({ length: KEPT }, (_, i) => configMap(`cm-${pad(i, 4)}`, '1'));
  const gone = Array.from({ length: GONE }, (_, i) => configMap(`gone-${pad(i, 2)}`, '1'));
  return [...cms, ...gone, ...workloads('1.0')];
}

/** The 600 objects: 594 ConfigMaps at version 2 (300 changed, 294 new), the Deployments on a new image, the same Services. */
function desiredSet(): KubeObject[] {
  return [...Array.from({ length: CONFIG_MAPS }, (_, i) => configMap(`cm-${pad(i, 4)}`, '2')), ...workloads('1.1')];
}

function workloads(tag: string): KubeObject[] {
  return [0, 1, 2].flatMap((i) => [deployment(`web-${i}`, tag), service(`web-${i}`)]);
}

const dataOf = (o: LiveObject | undefined): Record<string, string> => (o?.data ?? {}) as Record<string, string>;

/** Whether a live object is as the 600 desired objects say. */
const applied = (o: LiveObject | undefined): boolean =>
  o !== undefined && (o.kind === 'ConfigMap' ? dataOf(o).version === '2' : o.kind !== 'Deployment' || JSON.stringify(o.spec).includes('nginx:1.1'));

const KINDS_BY_NAME: Record<string, string> = { configmap: 'ConfigMap', 'deployment.apps': 'Deployment', service: 'Service' };

/** `configmap/cm-0001 failed: ...` -> `ConfigMap/cm-0001`. */
const keyOfLine = (line: string): Key => {
  const [kind, name] = line.split(' ')[0]!.split('/');
  return `${KINDS_BY_NAME[kind!]}/${name}`;
};

const keyOf = (o: { kind: string; metadata: { name?: string } }): Key => `${o.kind}/${o.metadata.name}`;

interface Fixture {
  sb: Sandbox;
  previousDir: string;
  desiredDir: string;
  apply(dir: string, opts?: { onStderr?: (chunk: string) => void; retryTimeout?: string }): Promise<RunResult>;
  /** The app's objects in the cluster (the inventory ConfigMap aside), by kind/name. */
  live(): Map<Key, LiveObject>;
  inventory(): Set<Key>;
  /** Calls `then` (once) when the API server has received this many real (not dry-run) writes of the app's objects. */
  onWrites(count: number, then: () => void): void;
}

async function fixture(t: TestContext): Promise<Fixture> {
  const sb = await startSandbox({ workloads: false });
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-restart-'));
  t.after(async () => {
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, objects: KubeObject[]): string => {
    const d = join(dir, name);
    mkdirSync(d);
    writeFileSync(join(d, 'objects.yaml'), objects.map((o) => JSON.stringify(o)).join('\n---\n'));
    return d;
  };
  let armed: { left: number; then: () => void } | undefined;
  sb.server.use((req, _res, url) => {
    if (!armed || req.method !== 'PATCH' || url.searchParams.has('dryRun') || !/\/(configmaps|deployments)\/(cm|web)-/.test(url.pathname)) return false;
    if (--armed.left === 0) {
      const { then } = armed;
      armed = undefined;
      then();
    }
    return false;
  });
  const kinds = [sb.store.resourceFor('', 'ConfigMap')!, sb.store.resourceFor('apps', 'Deployment')!, sb.store.resourceFor('', 'Service')!];
  return {
    sb,
    previousDir: write('previous', previousSet()),
    desiredDir: write('desired', desiredSet()),
    apply: (d, opts = {}) =>
      runCli(['apply', '-f', d, '--app', APP, '--prune', '--no-wait', '--kubeconfig', sb.kubeconfigPath, '-v', ...(opts.retryTimeout ? ['--retry-timeout', opts.retryTimeout] : [])], {
        onStderr: opts.onStderr,
      }),
    live() {
      const out = new Map<Key, LiveObject>();
      for (const kind of kinds) {
        for (const o of sb.store.list(kind, NS).items) {
          if (o.metadata.labels?.['gdeploy.dev/app'] === APP && o.metadata.name !== `gdeploy.${APP}`) out.set(keyOf(o), o);
        }
      }
      return out;
    },
    inventory() {
      const cm = sb.store.get(kinds[0]!, NS, `gdeploy.${APP}`);
      const refs = JSON.parse(dataOf(cm).objects ?? '[]') as Array<{ kind: string; name: string }>;
      return new Set(refs.map((r) => `${r.kind}/${r.name}`));
    },
    onWrites(count, then) {
      armed = { left: count, then };
    },
  };
}

/** Applies the previous set and returns the uid of each of its objects. */
async function applyPrevious(f: Fixture): Promise<Map<Key, string>> {
  const r = await f.apply(f.previousDir);
  assert.equal(r.code, 0, r.stderr);
  const live = f.live();
  assert.equal(live.size, KEPT + GONE + 6);
  return new Map([...live].map(([k, o]) => [k, o.metadata.uid!]));
}

/** After a finished run: exactly the 600 desired objects, at their new versions, the same objects as before where they existed. */
function assertFinished(f: Fixture, uids: Map<Key, string>): void {
  const desired = desiredSet().map(keyOf).sort();
  const live = f.live();
  assert.deepEqual([...live.keys()].sort(), desired, 'exactly the desired objects exist; the ones that left the manifests were pruned');
  for (const [key, o] of live) {
    if (o.kind === 'ConfigMap') assert.equal(dataOf(o).version, '2', `${key} is at its new version`);
    const uid = uids.get(key);
    if (uid) assert.equal(o.metadata.uid, uid, `${key} is the same object as before, not a second one`);
  }
  assert.deepEqual([...f.inventory()].sort(), desired, 'the inventory lists exactly the desired objects');
}

test('the API server restarts in the middle of an apply of 600 objects: a short outage is ridden out', { skip: sandboxOnly('down() and up() (an API server restart)') }, async (t) => {
  const f = await fixture(t);
  const uids = await applyPrevious(f);

  let restarted = false;
  f.onWrites(OUTAGE_AFTER_WRITES, () => {
    void (async () => {
      await f.sb.down();
      await sleep(300); // well within the retry budget (--retry-timeout, 60 s)
      await f.sb.up();
      restarted = true;
    })();
  });
  const r = await f.apply(f.desiredDir);

  assert.ok(restarted, 'the server went away and came back during the apply');
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /^(PATCH|GET) \S+ (ECONNREFUSED|ECONNRESET|EPIPE): retrying in \S+ \(attempt 2, /m, 'the outage was met and ridden out');
  assert.doesNotMatch(r.stdout, / failed|skipped|^incomplete/m);
  for (let i = 0; i < GONE; i++) assert.match(r.stdout, new RegExp(`^configmap/gone-${pad(i, 2)} pruned$`, 'm'));
  assertFinished(f, uids);
});

test('the API server restarts in the middle of an apply of 600 objects: a long outage fails saying exactly which objects were applied, and running it again finishes the job', { skip: sandboxOnly('down() and up() (an API server restart)') }, async (t) => {
  const f = await fixture(t);
  const uids = await applyPrevious(f);

  // Down until the command has spent a whole retry budget on one object, so the outage outlasts the retries.
  let stderr = '';
  let back: Promise<void> | undefined;
  f.onWrites(OUTAGE_AFTER_WRITES, () => void f.sb.down());
  const first = await f.apply(f.desiredDir, {
    retryTimeout: '2s',
    onStderr: (chunk) => {
      stderr += chunk;
      if (!back && /: gave up after \d+ attempts/.test(stderr)) back = f.sb.up();
    },
  });
  await back;
  assert.ok(back, `the command gave up on an object while the server was down:\n${first.stderr}`);
  assert.equal(first.code, 1, `${first.stdout}\n${first.stderr}`);

  // The error names the step and the object, and says the retries ran out.
  assert.match(first.stderr, /^error: (ConfigMap|Deployment)\/default\/(cm|web)-\d+ apply failed: cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED \S+ \(gave up after \d+ attempts in \S+: --retry-timeout is 2s/m);
  assert.doesNotMatch(first.stderr, /^\s+at /m, 'no stack trace');

  // One line per object says what happened to it, and the cluster agrees with every line.
  const lines = new Map<Key, { action: string; why: string }>();
  for (const m of first.stdout.matchAll(/^(configmap|deployment\.apps|service)\/(\S+) (created|configured|unchanged|pruned|failed|skipped)(?:: (.*))?$/gm)) {
    lines.set(`${KINDS_BY_NAME[m[1]!]}/${m[2]}`, { action: m[3]!, why: m[4] ?? '' });
  }
  const previous = new Set(previousSet().map(keyOf));
  assert.deepEqual([...lines.keys()].sort(), [...new Set([...desiredSet().map(keyOf), ...previous])].sort(), 'a line for every object');
  const live = f.live();
  let failed = 0;
  for (const [key, { action, why }] of lines) {
    const o = live.get(key);
    if (key.includes('/gone-')) {
      assert.equal(`${action}: ${why}`, 'skipped: not pruned: applying failed', key);
      assert.ok(o, `${key} was not pruned`);
    } else if (action === 'created' || action === 'configured' || action === 'unchanged') {
      assert.ok(applied(o), `${key} is reported ${action} and is so in the cluster`);
    } else {
      assert.equal(action, 'failed', key);
      failed++;
      // An attempt cut after it was sent may have been applied; any other failure was not.
      if (!why.includes('may have reached the server')) assert.ok(!applied(o), `${key} is reported failed and was not applied: ${why}`);
    }
  }
  assert.ok(failed > 0);
  const incomplete = new RegExp(`^incomplete: ${lines.size - failed - GONE} of ${lines.size} objects are as the manifests say; ${failed} failed and ${GONE} were skipped`, 'm');
  assert.match(first.stdout, incomplete, 'a summary line counts what is done and what is not');

  // Whatever exists is in the inventory, so that nothing can be orphaned or pruned by mistake later.
  const inventory = f.inventory();
  for (const key of live.keys()) assert.ok(inventory.has(key), `${key} exists and is in the inventory`);

  const createdByFirst = new Map([...live].filter(([k]) => !uids.has(k)).map(([k, o]) => [k, o.metadata.uid!]));
  const second = await f.apply(f.desiredDir);
  assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
  for (let i = 0; i < GONE; i++) assert.match(second.stdout, new RegExp(`^configmap/gone-${pad(i, 2)} pruned$`, 'm'));
  assertFinished(f, new Map([...uids, ...createdByFirst]));
});

test('the API server restarts in the middle of an apply of 600 objects and stays away: the command stops after one retry budget, saying which objects were applied', { skip: sandboxOnly('down() and up() (an API server restart)') }, async (t) => {
  const f = await fixture(t);
  await applyPrevious(f);
  f.onWrites(OUTAGE_AFTER_WRITES, () => void f.sb.down());
  const r = await f.apply(f.desiredDir, { retryTimeout: '2s' });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);

  // Only the request checking whether the server is back spends the budget; the others wait for it, then are not retried against it.
  const failedLines = r.stdout.match(/^\S+ failed: .*$/gm) ?? [];
  const spent = failedLines.filter((l) => l.includes('(gave up after '));
  // The rest either tried once, or (while one request checks whether the server is back) were not sent at all.
  const notRetried = failedLines.filter(
    (l) => l.includes('(not retried: earlier requests already spent their retries on this server)') || l.includes('(not tried: earlier requests found the server unreachable'),
  );
  assert.ok(spent.length >= 1 && spent.length <= 16, `at most one budget per request in flight (--concurrency 16): ${spent.length}`);
  assert.equal(spent.length + notRetried.length, failedLines.length);
  assert.ok(notRetried.length > 300, 'the objects after the outage are not each retried');

  const live = f.live();
  const written = [...live.values()].filter((o) => o.kind === 'ConfigMap' && dataOf(o).version === '2').length;
  assert.ok(written >= OUTAGE_AFTER_WRITES - 16 && written < OUTAGE_AFTER_WRITES + 16, `the cluster holds what was written before the outage: ${written}`);
  // A request cut while the server went down may have been carried out; its line says so. Any other was not.
  for (const l of notRetried.filter((line) => !line.includes('may have reached the server'))) {
    assert.ok(!applied(live.get(keyOfLine(l))), `${l.split(' ')[0]} is reported failed and was not applied: ${l}`);
  }
  assert.match(r.stdout, new RegExp(`^incomplete: \\d+ of ${desiredSet().length + GONE} objects are as the manifests say; ${failedLines.length} failed and ${GONE} were skipped`, 'm'));
  for (let i = 0; i < GONE; i++) assert.ok(live.has(`ConfigMap/gone-${pad(i, 2)}`), 'nothing pruned');

  // stderr names the step and the object for the first ones, then counts the rest instead of repeating each.
  const errorLines = r.stderr.match(/^error: (ConfigMap|Deployment)\/default\/\S+ apply failed: /gm) ?? [];
  assert.equal(errorLines.length, 10, r.stderr);
  assert.match(r.stderr, new RegExp(`^error: \\.\\.\\. and ${failedLines.length - 10} more objects failed; the change set says why for each$`, 'm'));
});
