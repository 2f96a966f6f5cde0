// The API server goes away for 10 s, as a control plane does when it restarts
// or a managed cluster is upgraded, in the middle of a command. Within
// --retry-timeout the command waits for it and carries on where it was: every
// object created once, the change set and history as they should be, the
// rollout judged on the state the server has once it is back. An outage that
// outlasts --retry-timeout fails as safely as before, saying which objects were
// applied and which were not.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { runCli, type RunResult } from '../helpers/cli.js';
import { sandboxOnly } from '../helpers/cluster.js';

const OUTAGE_MS = 10_000;
const OBJECTS = 600;
const NOTICE = /^the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+ is unreachable \([a-z ]+\) for \d+s; retrying for up to \d+s more$/m;

const names = Array.from({ length: OBJECTS }, (_, i) => `cm-${String(i).padStart(4, '0')}`);

interface Outage {
  sb: Sandbox;
  dir: string;
  gdeploy(args: string[]): Promise<RunResult>;
  /** Takes the API server away for OUTAGE_MS once `trigger` matches a request; resolves when it is back. */
  outageOn(trigger: (req: { method: string; url: URL }) => boolean): Promise<void>;
}

async function sandbox(t: TestContext, opts: SandboxOptions, manifests: string): Promise<Outage> {
  const sb = await startSandbox(opts);
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-outage-'));
  t.after(async () => {
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'objects.yaml'), manifests);
  return {
    sb,
    dir,
    gdeploy: (args) => runCli(['--kubeconfig', sb.kubeconfigPath, ...args], { env: { KUBECONFIG: '' }, timeoutMs: 60_000 }),
    outageOn(trigger) {
      return new Promise((resolve) => {
        let armed = true;
        sb.server.use((req, _res, url) => {
          if (!armed || !trigger({ method: req.method ?? '', url })) return false;
          armed = false;
          void (async () => {
            await sb.down();
            await sleep(OUTAGE_MS);
            await sb.up();
            resolve();
          })();
          return false;
        });
      });
    },
  };
}

const configMaps = (): string => names.map((name) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "1"\n`).join('---\n');

/** Real (not dry-run) writes of the app's ConfigMaps, counted; the outage starts at the 200th. */
function afterWrites(count: number): (req: { method: string; url: URL }) => boolean {
  let seen = 0;
  return ({ method, url }) => method === 'PATCH' && !url.searchParams.has('dryRun') && /\/configmaps\/cm-/.test(url.pathname) && ++seen === count;
}

test('the API server is down for 10 s in the middle of an apply of 600 objects: the apply waits for it and finishes, each object created once', { skip: sandboxOnly('stops the API server') }, async (t) => {
  const s = await sandbox(t, { workloads: false }, configMaps());
  // Every change the server makes to the app's ConfigMaps, in order.
  const changes = new Map<string, string[]>();
  s.sb.store.subscribe((ev) => {
    const name = ev.object.metadata.name ?? '';
    if (ev.resource.kind === 'ConfigMap' && name.startsWith('cm-')) changes.set(name, [...(changes.get(name) ?? []), ev.type]);
  });
  const back = s.outageOn(afterWrites(200));

  const r = await s.gdeploy(['apply', '-f', s.dir, '--app', 'big', '--prune', '--no-wait']);
  await back;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, NOTICE, 'the wait was reported');
  assert.doesNotMatch(r.stderr, /^error:/m);

  // The change set: one line per object, each created.
  const created = r.stdout.match(/^configmap\/cm-\d{4} created$/gm) ?? [];
  assert.deepEqual(created.map((l) => l.split(/[/ ]/)[1]).sort(), names, r.stdout);
  assert.doesNotMatch(r.stdout, /failed|skipped|^incomplete/m);

  // The cluster: each object exists once, created once and never changed after.
  const live = s.sb.store.list(s.sb.store.resourceFor('', 'ConfigMap')!, 'default').items.filter((o) => o.metadata.name?.startsWith('cm-'));
  assert.deepEqual(live.map((o) => o.metadata.name).sort(), names);
  for (const name of names) assert.deepEqual(changes.get(name), ['ADDED'], `${name}: created once, not changed again`);

  // History: one revision, succeeded, with the 600 objects.
  const history = await s.gdeploy(['history', '--app', 'big', '-o', 'json']);
  assert.equal(history.code, 0, history.stderr);
  const { revisions } = JSON.parse(history.stdout) as { revisions: { result: string; inventory: string[] }[] };
  assert.equal(revisions.length, 1);
  assert.equal(revisions[0]!.result, 'succeeded');
  assert.equal(revisions[0]!.inventory.length, OBJECTS);
});

test('the API server is down for longer than --retry-timeout in the middle of an apply: it fails saying which objects were applied and which were not', { skip: sandboxOnly('stops the API server') }, async (t) => {
  const s = await sandbox(t, { workloads: false }, configMaps());
  const back = s.outageOn(afterWrites(200));
  const r = await s.gdeploy(['apply', '-f', s.dir, '--app', 'big', '--no-wait', '--retry-timeout', '3s']);
  await back;
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /^error: ConfigMap\/default\/cm-\d{4} apply failed: cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+: .*\(gave up after \d+ attempts in \S+: --retry-timeout is 3s/m);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');

  // One line per object, and the cluster agrees with each.
  const cm = s.sb.store.resourceFor('', 'ConfigMap')!;
  const lines = [...r.stdout.matchAll(/^configmap\/(cm-\d{4}) (created|failed)(?:: (.*))?$/gm)];
  assert.deepEqual(lines.map((m) => m[1]).sort(), names, r.stdout);
  const failed = lines.filter((m) => m[2] === 'failed');
  assert.ok(failed.length > 0 && failed.length < OBJECTS - 100, `some objects were applied before the outage, the rest failed: ${failed.length} failed`);
  for (const [line, name, action, why = ''] of lines) {
    const exists = s.sb.store.get(cm, 'default', name!) !== undefined;
    if (action === 'created') assert.ok(exists, line);
    // A request cut while the server went down may have been carried out; its line says so. Any other was not.
    else if (!why.includes('may have reached the server')) assert.ok(!exists, line);
  }
  assert.match(r.stdout, new RegExp(`^incomplete: ${OBJECTS - failed.length} of ${OBJECTS} objects are as the manifests say; ${failed.length} failed`, 'm'));
});

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: nginx:1.27
`;

/** The rollout wait has begun: the watcher's first watch of Deployments. */
const rolloutWatch = ({ method, url }: { method: string; url: URL }): boolean => method === 'GET' && url.pathname.endsWith('/deployments') && url.searchParams.has('watch');

test('the API server is down for 10 s while a rollout is waited for: the watches come back and the rollout is reported done', { skip: sandboxOnly('stops the API server') }, async (t) => {
  // Pods become ready a few seconds after they start: while the server is away.
  const s = await sandbox(t, { readyDelayMs: 3_000 }, WEB);
  const back = s.outageOn(rolloutWatch);
  const r = await s.gdeploy(['apply', '-f', s.dir, '--app', 'web', '--timeout', '2m']);
  await back;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, NOTICE, 'the wait was reported');
  assert.match(r.stderr, /^deployment\/web rolled out in /m);
  const history = await s.gdeploy(['history', '--app', 'web', '-o', 'json']);
  assert.deepEqual((JSON.parse(history.stdout) as { revisions: { result: string }[] }).revisions.map((v) => v.result), ['succeeded']);
});

test('the API server is down for longer than --retry-timeout while a rollout is waited for: the wait ends with the server unreachable', { skip: sandboxOnly('stops the API server') }, async (t) => {
  const s = await sandbox(t, { readyDelayMs: 3_000 }, WEB);
  const back = s.outageOn(rolloutWatch);
  const r = await s.gdeploy(['apply', '-f', s.dir, '--app', 'web', '--timeout', '2m', '--retry-timeout', '3s']);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^deployment\.apps\/web created$/m, 'the change set says the Deployment was applied');
  assert.match(r.stderr, /^error: .*cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+: .*--retry-timeout/m);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  await back;
});
