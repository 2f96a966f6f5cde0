// Invalid names, kinds, namespaces, selectors, durations, image references,
// container names and app names: each is refused with one error line that names
// the flag, file or object at fault, and the cluster is left exactly as it was
// (no object written, not even a lock or a history record).
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedCluster, type Cluster } from '../helpers/cluster.js';

// replicas 0: no Pods come and go on a cluster with controllers, so the Deployment stays as written.
const deployment = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${extra}spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.27"}
      - {name: sidecar, image: "busybox:1.36"}
`;

/** What a client could have written in these namespaces: each object's resourceVersion (a Deployment's spec and metadata, which its controller leaves alone). */
async function snapshot(c: Cluster, namespaces: string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const ns of namespaces) {
    for (const kind of ['configmaps', 'leases', 'services', 'secrets', 'deployments']) {
      for (const o of ((await c.get(kind, ns)) as { items: Record<string, any>[] }).items) {
        const { name, resourceVersion, generation, labels, annotations } = o.metadata;
        out[`${kind}/${ns}/${name}`] = kind === 'deployments' ? { generation, labels, annotations, spec: o.spec } : resourceVersion;
      }
    }
  }
  return out;
}

describe('invalid input is refused, naming what is wrong, and changes nothing', () => {
  // No controllers in the sandbox: whatever changes there, gdeploy wrote.
  const shared = sharedCluster({ sandbox: { workloads: false } });
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gdeploy-invalid-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** The test's cluster with Deployment web in its namespace, settled: from then on only a client changes anything. */
  async function withWeb(t: TestContext): Promise<Cluster> {
    const c = await shared.cluster(t);
    await c.create(deployment('web'));
    // A namespace gets its CA ConfigMap shortly after it is made.
    for (let i = 0; i < 600 && !(await c.get('configmap/kube-root-ca.crt')); i++) await new Promise((r) => setTimeout(r, 50));
    return c;
  }

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  /**
   * Runs each gdeploy command line (side by side: none of them may write);
   * asserts its exit code and one error line matching `names`, and that the
   * test's namespaces did not change at all.
   */
  async function refused(c: Cluster, cases: [args: string[], code: number, names: RegExp][], namespaces = [c.ns]): Promise<void> {
    const before = await snapshot(c, namespaces);
    const runs = await Promise.all(cases.map(([args]) => c.gdeploy(args)));
    runs.forEach((r, i) => {
      const [args, code, names] = cases[i]!;
      const where = `gdeploy ${args.join(' ')}\n${r.stderr}`;
      assert.equal(r.code, code, where);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      assert.equal(errors.length, 1, `not one error line: ${where}`);
      assert.match(errors[0]!, names, where);
      assert.doesNotMatch(r.stderr, /^\s+at /m, `a stack trace: ${where}`);
    });
    assert.deepEqual(await snapshot(c, namespaces), before, `the cluster changed: ${cases.map(([a]) => a.join(' ')).join('; ')}`);
  }

  test('invalid object names: metadata.name Web_1 in a manifest, deployment/Web_1 as an argument', async (t) => {
    const c = await withWeb(t);
    const bad = file('bad-name.yaml', deployment('Web_1'));
    await refused(c, [
      [['apply', '-f', bad, '--app', 'web'], 1, /bad-name\.yaml: document 1 \(line 1\): 'metadata\.name' "Web_1" is invalid: a lowercase RFC 1123 subdomain/],
      [['diff', '-f', bad], 2, /bad-name\.yaml: document 1 .*"Web_1" is invalid/],
      [['set-image', 'deployment/Web_1', 'web=nginx:2'], 2, /invalid name "Web_1" for deployments: a lowercase RFC 1123 subdomain/],
      [['edit', 'svc', '1web'], 2, /invalid name "1web" for services: a DNS-1035 label/],
    ]);
  });

  test('invalid kinds: an unknown kind Deploymnt in a manifest (named with its file and document), deploymnt/web as an argument', async (t) => {
    const c = await withWeb(t);
    const bad = file('bad-kind.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\n${deployment('web').replace('kind: Deployment', 'kind: Deploymnt')}`);
    await refused(c, [
      [['apply', '-f', bad, '--app', 'web', '--dry-run'], 1, /Deploymnt\/web \(\S*\/bad-kind\.yaml, document 2\): no matches for kind "Deploymnt" in version "apps\/v1"/],
      [['diff', '-f', bad, '--app', 'web'], 2, /Deploymnt\/web \(\S*\/bad-kind\.yaml, document 2\): no matches for kind "Deploymnt"/],
      [['set-image', 'deploymnt/web', 'web=nginx:2'], 2, /the server doesn't have a resource type "deploymnt"/],
      [['edit', 'deploymnt', 'web'], 2, /resource type "deploymnt"/],
    ]);
    // For real, the app's lock is taken and given back, but no object of the file is applied.
    const r = await c.gdeploy(['apply', '-f', bad, '--app', 'web']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: Deploymnt\/web \(\S*\/bad-kind\.yaml, document 2\): no matches for kind "Deploymnt"/m);
    const configMaps = ((await c.get('configmaps')) as { items: { metadata: { name: string } }[] }).items.map((o) => o.metadata.name);
    assert.ok(!configMaps.includes('first') && !configMaps.includes('gdeploy.web'), configMaps.join(', '));
  });

  test('invalid namespaces: -n Bad_NS, and a manifest namespace with upper case', async (t) => {
    const c = await withWeb(t);
    const other = await c.namespace('other');
    const bad = file('bad-ns.yaml', deployment('web', '  namespace: Prod\n'));
    await refused(c, [
      [['-n', 'Bad_NS', 'set-image', 'deployment/web', 'web=nginx:2'], 2, /invalid -n\/--namespace "Bad_NS": a lowercase RFC 1123 label/],
      [['apply', '-n', 'Bad_NS', '-f', file('ok.yaml', deployment('web')), '--app', 'web'], 2, /invalid -n\/--namespace "Bad_NS"/],
      [['history', '--namespace', 'x'.repeat(64)], 2, /invalid -n\/--namespace "x{64}": must be no more than 63 characters/],
      [['apply', '-f', bad, '--app', 'web'], 1, /bad-ns\.yaml: document 1 \(line 1\): 'metadata\.namespace' "Prod" is invalid: a lowercase RFC 1123 label/],
      [
        ['apply', '-n', other, '-f', file('other-ns.yaml', deployment('web', `  namespace: ${c.ns}\n`)), '--app', 'web', '--dry-run'],
        1,
        new RegExp(`Deployment/${c.ns}/web \\(\\S*/other-ns\\.yaml, document 1\\): the namespace from the provided object "${c.ns}" does not match the namespace "${other}"`),
      ],
    ], [c.ns, other]);
  });

  test('an object the server finds invalid is named with its file and document', async (t) => {
    const c = await withWeb(t);
    const bad = file('bad-replicas.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\n${deployment('fresh', '').replace('  replicas: 0\n', '  replicas: -1\n')}`);
    await refused(c, [
      [['apply', '-f', bad, '--app', 'web', '--dry-run'], 1, new RegExp(`Deployment/${c.ns}/fresh \\(\\S*/bad-replicas\\.yaml, document 2\\) apply failed: .*spec\\.replicas: Invalid value: -1`)],
    ]);
  });

  test('invalid selectors: -l with an unclosed set, a bad value, a dangling comma', async (t) => {
    const c = await withWeb(t);
    await refused(c, [
      [['set-image', 'deployments', '-l', 'app in (web', 'web=nginx:2'], 2, /invalid -l\/--selector "app in \(web": found '', expected '\)'/],
      [['set-image', 'deployments', '-l', 'app=Web_', 'web=nginx:2'], 2, /invalid -l\/--selector "app=Web_": invalid label value "Web_"/],
      [['set-image', 'deployments', '--selector', 'app=web,', 'web=nginx:2'], 2, /invalid -l\/--selector "app=web,"/],
    ]);
  });

  test('invalid durations: --timeout 5 minutes, --timeout -1s, --timeout 1000h, --failure-grace 5d', async (t) => {
    const c = await withWeb(t);
    await refused(c, [
      [['set-image', 'deployment/web', 'web=nginx:2', '--timeout', '5 minutes'], 2, /invalid --timeout "5 minutes": not a duration; use a number with a unit/],
      [['set-image', 'deployment/web', 'web=nginx:2', '--timeout=-1s'], 2, /invalid --timeout "-1s": a duration must not be negative/],
      // Longer than a timer can wait: it would otherwise time out at once.
      [['set-image', 'deployment/web', 'web=nginx:2', '--timeout', '1000h'], 2, /invalid --timeout "1000h": longer than the longest supported duration/],
      [['edit', 'deployment/web', '--failure-grace', '5d'], 2, /invalid --failure-grace "5d": unknown unit "d"/],
      [['apply', '-f', file('ok.yaml', deployment('web')), '--app', 'web', '--timeout', '5 minutes'], 2, /--timeout/],
    ]);
  });

  test('invalid image references: set-image refuses each with the reason', async (t) => {
    const c = await withWeb(t);
    const cases: [string, RegExp][] = [
      ['web=Nginx:Latest', /invalid image "Nginx:Latest" for container "web": repository name must be lowercase/],
      ['web=nginx:', /invalid image "nginx:" for container "web": invalid reference format/],
      ['web=:v1', /invalid image ":v1" for container "web": invalid reference format/],
      ['web=nginx@sha256:short', /invalid image "nginx@sha256:short" for container "web": invalid reference format/],
      [`web=nginx@sha256:${'a'.repeat(40)}`, /invalid checksum digest length: sha256 needs 64 hex digits, got 40/],
      [`web=nginx@md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
      ['web=nginx 1.27', /invalid image "nginx 1\.27" for container "web": image reference contains whitespace/],
      [`web=${'a'.repeat(64)}`, /is an image ID, not a repository name/],
    ];
    await refused(c, cases.map(([pair, reason]) => [['set-image', 'deployment/web', pair], 2, reason]));
  });

  test('invalid container names: nosuch=nginx:1 names the containers that exist', async (t) => {
    const c = await withWeb(t);
    await refused(c, [
      [['set-image', 'deployment/web', 'nosuch=nginx:1'], 1, /deployment\/web: unable to find container named "nosuch"; its containers are: web, sidecar; nothing changed/],
      // One bad name among good ones changes nothing either.
      [['set-image', 'deployment/web', 'web=nginx:2', 'nosuch=nginx:1'], 1, /unable to find container named "nosuch"/],
      [['set-image', 'deployment/web', 'web=nginx:2', '=nginx:1'], 2, /invalid image format: =nginx:1/],
    ]);
  });

  test('invalid app names: --app Bad_App', async (t) => {
    const c = await withWeb(t);
    const ok = file('ok.yaml', deployment('web'));
    await refused(c, [
      [['apply', '-f', ok, '--app', 'Bad_App'], 2, /invalid app name "Bad_App": use lower case letters/],
      [['diff', '-f', ok, '--app', 'Bad_App'], 2, /invalid app name "Bad_App"/],
      [['history', '--app', 'Bad_App'], 2, /invalid app name "Bad_App"/],
      [['history', '--app', 'web-'], 2, /invalid app name "web-"/],
      // 56 characters: `gdeploy.<app>`, the app's inventory, would be longer than a label.
      [['history', '--app', 'a'.repeat(56)], 2, /invalid app name "a{56}": .* at most 55 characters/],
      [['rollback', '--app', 'Bad_App'], 2, /invalid app name "Bad_App"/],
    ]);
  });
});
