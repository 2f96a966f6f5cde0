// Hardening: "A watch dropped every few seconds during a long rollout: the
// rollout result is still right."
//
// Each test runs a slow rollout in a sandbox of its own (its fault hooks make
// the cuts: on a given cluster these tests are skipped) while every open watch
// is cut twice a second, some re-watches are refused with 500 or 410 Gone, and
// the server keeps so little history that resuming often gets 410 as well. The
// verdict gdeploy prints must be the one kubectl reaches on the final state.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { HAVE_KUBECTL, KUBECTL, NO_KUBECTL, run, type Run } from '../e2e/apply-harness.js';
import { workload } from '../e2e/set-image-harness.js';
import { sandboxOnly } from '../helpers/cluster.js';

const SKIP = !HAVE_KUBECTL && NO_KUBECTL;
const MAX_SURGE_ONE = '  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n';

interface Flaky {
  sb: Sandbox;
  gdeploy(args: string[]): Promise<Run>;
  kubectl(args: string[]): Promise<Run>;
  /** The object as kubectl reads it. */
  get(kindName: string): Promise<any>;
  /** Requests that reached the API (past the fault rules): lists and watches, by resource. */
  seen: { lists: Record<string, number>; watches: Record<string, number> };
  /** A directory holding these manifests, removed after the test. */
  dir(files: Record<string, string>): string;
}

async function flakyCluster(t: TestContext, opts: SandboxOptions = {}): Promise<Flaky> {
  // Slow readiness makes every rollout step take a while (a rollout of n Pods
  // one at a time takes at least n times this); a short history makes a
  // resumed watch often too old for the server (410).
  const sb = await startSandbox({ readyDelayMs: 700, historySize: 25, ...opts });
  t.after(() => sb.stop());
  const seen = { lists: {} as Record<string, number>, watches: {} as Record<string, number> };
  sb.server.use((req, _res, url) => {
    const resource = /\/(pods|replicasets|deployments|statefulsets|daemonsets|controllerrevisions)$/.exec(url.pathname)?.[1];
    if (req.method !== 'GET' || !resource) return false;
    const counts = ['1', 'true'].includes(url.searchParams.get('watch') ?? '') ? seen.watches : seen.lists;
    counts[resource] = (counts[resource] ?? 0) + 1;
    return false;
  });
  const kubectl = (args: string[]) => run(KUBECTL, ['--kubeconfig', sb.kubeconfigPath, ...args]);
  return {
    sb,
    seen,
    kubectl,
    async gdeploy(args) {
      const r = await runCli(['--kubeconfig', sb.kubeconfigPath, ...args], { env: { KUBECONFIG: '' }, timeoutMs: 120_000 });
      return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    async get(kindName) {
      const r = await kubectl(['get', kindName, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    },
    dir(files) {
      const root = mkdtempSync(join(tmpdir(), 'gdeploy-watch-'));
      t.after(() => rmSync(root, { recursive: true, force: true }));
      const dir = join(root, 'flaky');
      mkdirSync(dir);
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      return dir;
    },
  };
}

/**
 * Cuts every open watch twice a second. Every third cut is followed by a
 * refused watch request (500), every third by one answered 410 Gone, on top
 * of the 410s the short history causes; one refusal at a time, so a slow
 * client is not locked out by refusals piling up. Runs until stopped; returns
 * how many cuts found watches open: the proof that the rollout was watched
 * through them.
 */
function dropWatches(sb: Sandbox): { stop(): number } {
  const { faults } = sb.hooks;
  let hits = 0;
  let n = 0;
  const timer = setInterval(() => {
    n++;
    const refuse = n % 3 === 1 ? 500 : n % 3 === 2 ? 410 : undefined;
    if (refuse && faults.describe().failures.length === 0) faults.failNext({ path: '', verb: 'watch', status: refuse });
    if (faults.cutWatches() > 0) hits++;
  }, 500);
  return {
    stop() {
      clearInterval(timer);
      faults.clear();
      return hits;
    },
  };
}

/**
 * Runs gdeploy while watches are dropped. The controllers are held until
 * gdeploy watches the Pods, so the whole rollout happens under the cuts
 * however long gdeploy takes to start; `holdMs` holds them longer.
 */
async function underDroppedWatches(c: Flaky, args: string[], opts: { holdMs?: number } = {}): Promise<{ r: Run; cuts: number }> {
  const podWatches = c.seen.watches.pods ?? 0;
  c.sb.hooks.pause();
  const drops = dropWatches(c.sb);
  try {
    const done = c.gdeploy(args);
    await whileRunning(done, () => (c.seen.watches.pods ?? 0) > podWatches);
    if (opts.holdMs) await new Promise((r) => setTimeout(r, opts.holdMs));
    c.sb.hooks.resume();
    const r = await done;
    return { r, cuts: drops.stop() };
  } finally {
    drops.stop();
    c.sb.hooks.resume();
  }
}

/** kubectl's own verdict on a workload, after gdeploy has given its. */
async function kubectlAgrees(c: Flaky, kindName: string): Promise<void> {
  const r = await c.kubectl(['rollout', 'status', kindName, '--timeout=20s']);
  assert.equal(r.code, 0, `kubectl rollout status ${kindName}: ${r.stdout}${r.stderr}`);
  // A StatefulSet (partition defaults to 0) gets "partitioned roll out complete".
  assert.match(r.stdout, /successfully rolled out|partitioned roll out complete/);
}

/** The Deployment's current ReplicaSet has every Pod ready; every older one is scaled to 0. */
async function onlyNewReplicaSet(c: Flaky, name: string, replicas: number, image: string): Promise<void> {
  const d = await c.get(`deployment/${name}`);
  const revision = d.metadata.annotations['deployment.kubernetes.io/revision'];
  const sets = (await c.get('replicasets')).items.filter((rs: any) => rs.metadata.ownerReferences?.[0]?.name === name);
  const current = sets.filter((rs: any) => rs.metadata.annotations['deployment.kubernetes.io/revision'] === revision);
  assert.equal(current.length, 1, 'one ReplicaSet of the current revision');
  assert.equal(current[0].spec.template.spec.containers[0].image, image);
  assert.equal(current[0].status.readyReplicas, replicas);
  for (const old of sets.filter((rs: any) => rs !== current[0])) assert.equal(old.spec.replicas, 0, `${old.metadata.name} scaled to 0`);
}

async function created(c: Flaky, yaml: string, kindName: string): Promise<void> {
  const dir = c.dir({ 'w.yaml': yaml });
  const r = await c.kubectl(['apply', '-f', dir]);
  assert.equal(r.code, 0, r.stderr);
  const s = await c.kubectl(['rollout', 'status', kindName, '--timeout=60s']);
  assert.equal(s.code, 0, s.stderr);
}

describe('a watch dropped every few seconds during a long rollout: the rollout result is still right', { concurrency: true }, () => {
  test('set-image: a long Deployment rollout over many dropped watches still ends rolled out', { skip: SKIP || sandboxOnly('fault hooks (cut and refused watches)') }, async (t) => {
    const c = await flakyCluster(t);
    await created(c, workload({ name: 'web', image: 'web:1', replicas: 4, extraSpec: MAX_SURGE_ONE }), 'deployment/web');
    const listsBefore = { ...c.seen.lists };
    const { r, cuts } = await underDroppedWatches(c, ['set-image', 'deployment/web', 'web=web:2', '--timeout', '90s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /deployment\/web rolled out in/);
    assert.ok(cuts >= 2, `watches were cut during the rollout (${cuts} times)`);
    // One list per informer to start with; any more is a list again after a 410.
    const relisted = Object.entries(c.seen.lists).filter(([resource, n]) => n - (listsBefore[resource] ?? 0) > 1);
    assert.ok(relisted.length > 0, `the watcher listed again after a 410: ${JSON.stringify(c.seen.lists)}`);
    await onlyNewReplicaSet(c, 'web', 4, 'web:2');
    await kubectlAgrees(c, 'deployment/web');
  });

  test('apply: a Deployment, a StatefulSet and a DaemonSet rolled out over dropped watches all end rolled out', { skip: SKIP || sandboxOnly('fault hooks (cut and refused watches)') }, async (t) => {
    const c = await flakyCluster(t, { nodes: 3 });
    const files = (tag: string) => ({
      'web.yaml': workload({ name: 'web', image: `web:${tag}`, replicas: 3, extraSpec: MAX_SURGE_ONE }),
      'db.yaml': workload({ kind: 'StatefulSet', name: 'db', image: `db:${tag}`, replicas: 3 }),
      'agent.yaml': workload({ kind: 'DaemonSet', name: 'agent', image: `agent:${tag}` }),
    });
    const first = await c.gdeploy(['apply', '-f', c.dir(files('1')), '--app', 'flaky', '--timeout', '90s']);
    assert.equal(first.code, 0, first.stderr);
    const { r, cuts } = await underDroppedWatches(c, ['apply', '-f', c.dir(files('2')), '--app', 'flaky', '--timeout', '90s']);
    assert.equal(r.code, 0, r.stderr);
    for (const w of ['deployment/web', 'statefulset/db', 'daemonset/agent']) assert.match(r.stderr, new RegExp(`${w} rolled out in`));
    assert.ok(cuts >= 2, `watches were cut during the rollout (${cuts} times)`);
    await onlyNewReplicaSet(c, 'web', 3, 'web:2');
    const db = await c.get('statefulset/db');
    assert.equal(db.status.currentRevision, db.status.updateRevision, 'every StatefulSet Pod is on the new revision');
    assert.equal(db.status.readyReplicas, 3);
    const agent = await c.get('daemonset/agent');
    assert.equal(agent.status.updatedNumberScheduled, 3);
    assert.equal(agent.status.numberAvailable, 3);
    for (const w of ['deployment/web', 'statefulset/db', 'daemonset/agent']) await kubectlAgrees(c, w);
  });

  test('set-image: a missing image over dropped watches is still reported as failed with ImagePullBackOff, exit 3', { skip: SKIP || sandboxOnly('fault hooks (cut and refused watches)') }, async (t) => {
    const c = await flakyCluster(t);
    // A progress deadline far away: only the Pod's ImagePullBackOff, seen through the cuts, may fail it.
    const extraSpec = `${MAX_SURGE_ONE}  progressDeadlineSeconds: 100000\n`;
    await created(c, workload({ name: 'web', image: 'web:1', replicas: 3, extraSpec }), 'deployment/web');
    const { r, cuts } = await underDroppedWatches(c, ['set-image', 'deployment/web', 'web=registry.invalid/web:2', '--timeout', '90s', '--failure-grace', '3s']);
    assert.equal(r.code, 3, r.stderr);
    assert.ok(cuts >= 2, `watches were cut during the rollout (${cuts} times)`);
    assert.match(r.stderr, /error: deployment\/web rollout failed: .*(ImagePullBackOff|ErrImagePull)/);
    assert.doesNotMatch(r.stderr, /rolled out in/, 'no false success');
    const d = await c.get('deployment/web');
    assert.equal(d.status.availableReplicas, 3, 'the old Pods keep serving');
  });

  test('apply: a crash-looping StatefulSet over dropped watches is still reported as failed with CrashLoopBackOff, exit 3', { skip: SKIP || sandboxOnly('fault hooks (cut and refused watches)') }, async (t) => {
    const c = await flakyCluster(t);
    c.sb.hooks.images.setRule('db:crash', 'crash');
    const first = await c.gdeploy(['apply', '-f', c.dir({ 'db.yaml': workload({ kind: 'StatefulSet', name: 'db', image: 'db:1', replicas: 2 }) }), '--app', 'db', '--timeout', '60s']);
    assert.equal(first.code, 0, first.stderr);
    const crashing = c.dir({ 'db.yaml': workload({ kind: 'StatefulSet', name: 'db', image: 'db:crash', replicas: 2 }) });
    const { r, cuts } = await underDroppedWatches(c, ['apply', '-f', crashing, '--app', 'db', '--timeout', '90s']);
    assert.equal(r.code, 3, r.stderr);
    assert.ok(cuts >= 2, `watches were cut during the rollout (${cuts} times)`);
    assert.match(r.stderr, /statefulset\/db rollout failed: .*CrashLoopBackOff/);
    assert.doesNotMatch(r.stderr, /rolled out in/, 'no false success');
  });

  test('a rollout that completes while the watch is down is still reported done, not left waiting until the timeout', { skip: SKIP || sandboxOnly('fault hooks (cut and refused watches)') }, async (t) => {
    const c = await flakyCluster(t);
    await created(c, workload({ name: 'web', image: 'web:1', replicas: 3, extraSpec: MAX_SURGE_ONE }), 'deployment/web');
    // The controllers wait until the watches are down, so the whole rollout happens unseen.
    c.sb.hooks.pause();
    const { faults } = c.sb.hooks;
    const refused = 10_000;
    const done = c.gdeploy(['set-image', 'deployment/web', 'web=web:2', '--timeout', '60s']);
    await whileRunning(done, () => c.sb.server.cutWatches() > 0);
    faults.failNext({ path: '', verb: 'watch', status: 500, count: refused });
    c.sb.hooks.resume();
    const d = await rolledOutInStore(c.sb, 'web');
    assert.equal(d.status.updatedReplicas, 3);
    const attempts = refused - (faults.describe().failures[0]?.left ?? refused);
    faults.clear();
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /deployment\/web rolled out in/);
    assert.ok(attempts >= 1, 'the watcher kept trying to watch while it was refused');
    // Three informers backing off up to 3 s make a few dozen attempts at most in the time a rollout takes; a hot loop makes thousands.
    assert.ok(attempts < 300, `the watcher backed off while refused (${attempts} attempts)`);
    await onlyNewReplicaSet(c, 'web', 3, 'web:2');
  });

  test('a release that fixes crash-looping Pods is not failed by the old Pods while the watches lag behind', { skip: SKIP || sandboxOnly('fault hooks (cut and refused watches)') }, async (t) => {
    const c = await flakyCluster(t);
    const { hooks } = c.sb;
    hooks.images.setRule('*:broken', 'crash');
    const files = (tag: string) => ({
      'web.yaml': workload({ name: 'web', image: `web:${tag}`, replicas: 2 }),
      'agent.yaml': workload({ kind: 'DaemonSet', name: 'agent', image: `agent:${tag}` }),
    });
    const broken = await c.gdeploy(['apply', '-f', c.dir(files('broken')), '--app', 'fix', '--no-wait']);
    assert.equal(broken.code, 0, broken.stderr);
    await until(() => crashLooping(c.sb).length === 3);
    // The controllers are slow to take up the fix (longer than apply's failure
    // grace of 5 s), and the watcher never hears of the DaemonSet's new
    // ControllerRevision: what it knows points at the old, crashing Pods.
    hooks.faults.failNext({ path: '/controllerrevisions', verb: 'watch', status: 500, count: 10_000 });
    const { r } = await underDroppedWatches(c, ['apply', '-f', c.dir(files('fixed')), '--app', 'fix', '--timeout', '60s'], { holdMs: 6000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /deployment\/web rolled out in/);
    assert.match(r.stderr, /daemonset\/agent rolled out in/);
    // An old Pod may still be terminating when the rollout is done (as kubectl judges it): it goes soon after.
    for (const deadline = Date.now() + 10_000; crashLooping(c.sb).length > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(crashLooping(c.sb), [], 'the crash-looping Pods are gone');
    await kubectlAgrees(c, 'deployment/web');
    await kubectlAgrees(c, 'daemonset/agent');
  });
});

/** Names of the Pods in CrashLoopBackOff. */
function crashLooping(sb: Sandbox): string[] {
  const res = sb.store.allResources().find((r) => r.kind === 'Pod')!;
  return sb.store
    .list(res, 'default')
    .items.filter((p: any) => p.status?.containerStatuses?.some((s: any) => s.state?.waiting?.reason === 'CrashLoopBackOff'))
    .map((p) => p.metadata.name!);
}

/** Polls until `ok` holds (checked every 50 ms). */
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 50));
}

/** Polls until `ok` holds; fails with the command's output if it ends first. */
async function whileRunning(command: Promise<Run>, ok: () => boolean): Promise<void> {
  let ended: Run | undefined;
  void command.then((r) => (ended = r));
  while (!ok()) {
    if (ended) assert.fail(`gdeploy ended early (exit ${ended.code}):\n${ended.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves with the Deployment once the store says it is rolled out (kubectl's rules). */
async function rolledOutInStore(sb: Sandbox, name: string): Promise<any> {
  const res = sb.store.allResources().find((r) => r.kind === 'Deployment')!;
  let d: any;
  await until(() => {
    d = sb.store.get(res, 'default', name);
    const s = d?.status ?? {};
    const n = d?.spec.replicas;
    return s.observedGeneration >= d.metadata.generation && s.updatedReplicas === n && s.replicas === n && s.availableReplicas === n;
  });
  return d;
}
