// Shared by the set-image and edit end-to-end tests: the cluster fixture
// (test/helpers/cluster.ts: a sandbox per test, or the given cluster), the
// workloads they roll out, an app synced from git for --commit, and editor
// scripts standing in for a person.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxOptions } from '../../src/sandbox/index.js';
import { HAVE_KUBECTL, NO_KUBECTL, helloWorld } from './apply-harness.js';
import { cluster, type Cluster } from '../helpers/cluster.js';
import { git, makeRepo, type TempRepo } from '../helpers/gitrepo.js';
import type { RunResult } from '../helpers/cli.js';

export { HAVE_KUBECTL, NO_KUBECTL, helloWorld } from './apply-harness.js';
export const SKIP = !HAVE_KUBECTL && NO_KUBECTL;

/** Images that pull and keep running on any cluster (the tutorial's). */
export const LATEST = 'lyzhang1999/hello-world-flask:latest';
export const V1 = 'lyzhang1999/hello-world-flask:v1';

export type TestCluster = Cluster;

/** The test's cluster; on a sandbox, started Pods get ready after 50 ms unless `sandbox` says otherwise. */
export function testCluster(t: Parameters<typeof cluster>[0], sandbox: SandboxOptions = {}): Promise<Cluster> {
  return cluster(t, { sandbox: { readyDelayMs: 50, ...sandbox } });
}

/** A Deployment (or another kind with a pod template) with one container and optional extras. */
export function workload(opts: {
  kind?: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
  image: string;
  replicas?: number;
  labels?: Record<string, string>;
  initImage?: string;
  extraSpec?: string;
}): string {
  const { kind = 'Deployment', name, image, replicas = 2, labels = {}, initImage, extraSpec = '' } = opts;
  const extraLabels = Object.entries(labels).map(([k, v]) => `    ${k}: ${v}\n`).join('');
  // An init container must end for the Pod to start: it runs `true`, whatever image it is given.
  const init = initImage ? `      initContainers:\n      - name: migrate\n        image: ${initImage}\n        command: ["true"]\n` : '';
  return `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: ${name}
  labels:
    app: ${name}
${extraLabels}spec:
${kind === 'DaemonSet' ? '' : `  replicas: ${replicas}\n`}${kind === 'StatefulSet' ? `  serviceName: ${name}\n` : ''}${extraSpec}  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
${init}      containers:
      - name: ${name}
        image: ${image}
`;
}

/** The tutorial's Deployment (image :latest), applied as app `app` and rolled out. */
export async function appliedApp(c: Cluster, t: { after: (fn: () => void) => void }, app: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-app-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'deployment.yaml'), helloWorld(LATEST));
  const r = await c.gdeploy(['apply', '-f', dir, '--app', app, '--timeout', '2m']);
  assert.equal(r.code, 0, r.stderr);
}

/** What a write by gdeploy would change: spec, generation, labels, and whether gdeploy manages fields. Status and controllers' bookkeeping are left out. */
export function written(obj: Record<string, any>): unknown {
  const byGdeploy = (obj.metadata.managedFields ?? []).some((m: any) => String(m.manager).startsWith('gdeploy'));
  return { generation: obj.metadata.generation, spec: obj.spec, labels: obj.metadata.labels, byGdeploy };
}

/** The tutorial's Deployment and Service in one file, with comments, as app `<prefix>-<random>`. */
export async function syncedApp(c: Cluster, t: { after: (fn: () => Promise<void>) => void }, prefix: string) {
  const app = `${prefix}-${randomBytes(3).toString('hex')}`;
  const r: TempRepo = await makeRepo({ name: app });
  t.after(() => r.cleanup());
  const deployment = helloWorld(LATEST, 1)
    .replaceAll('hello-world-flask', app)
    .replace(`lyzhang1999/${app}:latest`, `${LATEST}   # bumped by CI`);
  const file = `# ${app}: the web tier\n${deployment}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: ${app}\nspec:\n  selector: {app: ${app}}\n  ports:\n  - port: 80\n    targetPort: 5000\n`;
  await r.commit({ 'deploy/app.yaml': file }, 'first');
  const sync = () => c.gdeploy(['sync', '--repo', r.remote, '--path', 'deploy', '--app', app, '--no-wait']);
  const first = await sync();
  assert.equal(first.code, 0, first.stderr);
  return { app, r, file, sync };
}

/** The app's history lists the sync of commit `sha` (subject `subject`) as revision 2, and a second sync changes nothing. */
export async function assertSyncedCommit(c: Cluster, app: string, sha: string, subject: string, sync: () => Promise<RunResult>): Promise<void> {
  const history = await c.gdeploy(['history', '--app', app]);
  assert.match(history.stdout, new RegExp(`^2 .* succeeded +sync +main@sha1:${sha.slice(0, 12)} .* ${subject}`, 'm'));
  const again = await sync();
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr + again.stdout, /drift|configured|deployed/, 'nothing left to change');
}

/**
 * After a --commit run with --rollback-on-failure whose rollout failed: the
 * commit, then its revert `Revert "<subject>"` on top (history only grows),
 * git's tree as at `before`, and the previous image live again.
 */
export async function assertRevertedInGit(c: Cluster, r: TempRepo, app: string, before: string, subject: string, run: RunResult): Promise<void> {
  assert.equal(run.code, 3, run.stderr);
  const head = await r.head();
  const [change] = await r.parents(head);
  assert.deepEqual(await r.parents(change!), [before], 'the change, then its revert: history only grows');
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', change!), subject);
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', head), `Revert "${subject}"`);
  assert.equal(await r.tree(head), await r.tree(before), 'git says what it said before');
  assert.match(run.stderr, new RegExp(`^reverted in git: ${head.slice(0, 12)} on main`, 'm'));
  await c.rolledOut(`deployment/${app}`);
  assert.equal((await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image, LATEST, 'the previous revision is live');
}

/**
 * An editor: step i (a JS function body over `text`, returning the new text,
 * or calling process.exit) runs on the i-th invocation. Every text it was
 * given is kept in seen-<i>.txt for the test to look at.
 */
export function editor(t: { after: (fn: () => void) => void }, steps: string[]): { env: NodeJS.ProcessEnv; seen(i: number): string; runs(): number } {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-editor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'my editor.mjs');
  writeFileSync(
    script,
    `import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const file = process.argv.at(-1);
const counter = ${JSON.stringify(join(dir, 'count'))};
const i = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0;
writeFileSync(counter, String(i + 1));
let text = readFileSync(file, 'utf8');
writeFileSync(${JSON.stringify(dir)} + '/seen-' + i + '.txt', text);
const steps = [${steps.map((s) => `(text) => { ${s} }`).join(',\n')}];
const out = steps[i] ? steps[i](text) : text;
if (typeof out === 'string') writeFileSync(file, out);
`,
  );
  return {
    // The path has a space: the editor string is split like a shell would, quotes and all.
    env: { KUBE_EDITOR: `"${process.execPath}" '${script}'`, EDITOR: 'false' },
    seen: (i) => readFileSync(join(dir, `seen-${i}.txt`), 'utf8'),
    runs: () => (existsSync(join(dir, 'count')) ? Number(readFileSync(join(dir, 'count'), 'utf8')) : 0),
  };
}

/** The file a failed edit was kept in, as the command's stderr names it. */
export function savedPath(stderr: string): string {
  const m = /Your edit is saved in (\S+)/.exec(stderr);
  assert.ok(m, stderr);
  return m[1]!;
}
