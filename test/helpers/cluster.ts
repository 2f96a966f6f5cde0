// The cluster every end-to-end test runs against, and what a test needs to use
// it without touching anything else there.
//
// Without GDEPLOY_TEST_KUBECONFIG each test (or each file, with sharedCluster)
// gets an in-process sandbox. With GDEPLOY_TEST_KUBECONFIG=PATH every test runs
// against the current context of that kubeconfig instead, side by side with
// other tests (and other users) of that cluster: each test works in a
// namespace of its own and names every cluster-scoped object it makes with
// names of its own, so nothing else there is touched.
//
//   import { cluster, sandboxOnly } from '../helpers/cluster.js';
//
//   test('...', async (t) => {
//     const c = await cluster(t);                  // a sandbox of the test's own, or the given cluster
//     c.ns                                          // the test's namespace, gd-e2e-<test>-<random>:
//                                                   //   created now, deleted after the test (t.after), failed or not
//     c.kubeconfig                                  // a kubeconfig whose current context defaults to c.ns
//     await c.gdeploy(['apply', '-f', dir])         // the built CLI, as a subprocess ({ env, input } optional)
//     await c.kubectl(['get', 'pods'], stdin?)      // kubectl with that kubeconfig
//     await c.get('deployment/web', ns?)            // the object as the server has it (undefined: not found);
//                                                   //   a kind alone ('pods') is the list
//     await c.create(yamlText)                      // creates objects as another client would (in c.ns unless named)
//     await c.rolledOut('deployment/web')           // waits until kubectl rollout status says so
//     c.spawn(['sync', '--watch', ...])             // a long-running gdeploy, stopped after the test
//     await c.namespace()                           // one more namespace of the test's, deleted after
//     c.clusterName('Namespace', 'team')            // a name for a cluster-scoped object the test makes
//                                                   //   (Namespace, ClusterRole, ...): deleted after if it exists
//     c.group()                                     // an API group for the test's CRDs, <random>.gd-e2e.example.com;
//                                                   //   every CRD of it is deleted after
//     c.sandbox                                     // the sandbox and its hooks; undefined on a given cluster
//     const dev = await c.namespaceUser(ns, opts?)   // { kubeconfig, user } that may act in ns and nowhere else:
//                                                   //   a ServiceAccount bound to a namespaced Role on a given cluster
//                                                   //   (a sandbox started with clientCertificates: a confined certificate)
//     if (!(await c.enforcesRbac())) return c.skip(t, 'the cluster does not enforce RBAC');
//   });
//   test('...', { skip: sandboxOnly('fault hooks') }, async (t) => { ... });  // skipped, saying why, on a given cluster
//
//   const shared = sharedCluster({ sandbox: { workloads: false } });  // one sandbox for the whole file
//   test('...', async (t) => { const c = await shared.cluster(t); ... });
//
// `sandbox` options (readiness delays, time factor, TLS...) apply to sandboxes
// only; on a given cluster they are ignored. Deleting a namespace on a real
// cluster takes a while (Terminating): clean-up issues the deletes and waits
// a bounded time (GDEPLOY_TEST_CLEANUP_SECONDS, 20 by default), then moves on.
//
// When GDEPLOY_TEST_RECORD names a file (scripts/test.mjs sets it), every test
// that uses the fixture appends a line saying whether it ran and where, or why
// it was skipped; scripts/e2e-record.mjs sums them up.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before } from 'node:test';
import yaml from 'js-yaml';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { connect } from '../../src/kube/connect.js';
import { isNotFound } from '../../src/kube/errors.js';
import type { Kube, KubeObject, ObjectRef } from '../../src/kube/types.js';
import { GDEPLOY_BIN, run, type RunResult } from './cli.js';

export type { RunResult } from './cli.js';

export const KUBECTL = '/usr/bin/kubectl';
export const HAVE_KUBECTL = existsSync(KUBECTL);
/** A test's `skip` option: false, or why tests that drive kubectl cannot run here. */
export const SKIP_WITHOUT_KUBECTL: string | false = HAVE_KUBECTL ? false : `kubectl not found at ${KUBECTL}`;

/** The kubeconfig of the cluster the end-to-end tests run against instead of sandboxes. */
export const GIVEN_KUBECONFIG = process.env.GDEPLOY_TEST_KUBECONFIG || undefined;
/** True when the tests run against a given cluster, not sandboxes. */
export const ON_GIVEN_CLUSTER = GIVEN_KUBECONFIG !== undefined;

const CLEANUP_SECONDS = Number(process.env.GDEPLOY_TEST_CLEANUP_SECONDS ?? 20);
/** Labels every namespace the tests make, so that leftovers of an interrupted run can be found. */
export const E2E_LABEL = 'e2e.gdeploy.dev/run';
const RUN_ID = process.env.GDEPLOY_TEST_RUN || random(6);

interface Hooks {
  after: (fn: () => Promise<void> | void) => void;
  name: string;
  skip(message?: string): void;
}

export interface ClusterOptions {
  /** How to start the sandbox (given the test's namespace, when a function); ignored on a given cluster. */
  sandbox?: SandboxOptions | ((ns: string) => SandboxOptions);
}

export interface Cluster {
  /** The test's own namespace. */
  ns: string;
  /** A kubeconfig whose current context defaults to `ns`. */
  kubeconfig: string;
  /** The sandbox and its hooks; undefined on a given cluster. */
  sandbox?: Sandbox;
  /** The built CLI with this kubeconfig and a git cache of its own. */
  gdeploy(args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string }): Promise<RunResult>;
  kubectl(args: string[], input?: string): Promise<RunResult>;
  /** kubectl's arguments for this cluster, for tests that start it themselves. */
  kubectlArgs(): string[];
  /** `kind/name` (in `namespace`, else `ns`) as the server has it, undefined when not found; `kind` alone is the list. */
  get(kindName: string, namespace?: string): Promise<Record<string, any> | undefined>;
  /** Like get, failing when the object is not there. */
  must(kindName: string, namespace?: string): Promise<Record<string, any>>;
  /** Creates the objects of a YAML stream as a client other than gdeploy (field manager kubectl-create). */
  create(text: string): Promise<void>;
  /** Resolves once `kubectl rollout status` says the workload is rolled out. */
  rolledOut(kindName: string, namespace?: string): Promise<void>;
  /** Starts `gdeploy <args>` that keeps running (sync --watch); stopped after the test. */
  spawn(args: string[], env?: NodeJS.ProcessEnv): Background;
  /** Creates one more namespace of the test's own, deleted after the test. */
  namespace(base?: string): Promise<string>;
  /** A name of the test's own for a cluster-scoped object of `kind`; deleted after the test if it exists. */
  clusterName(kind: ClusterKind, base: string): string;
  /** An API group of the test's own for CRDs; every CRD of the group is deleted after the test. */
  group(): string;
  /** An admin connection in this process, for checks a kubectl process per step would make slow. */
  kube: Kube;
  /**
   * A kubeconfig for the same server that authenticates with `token` alone
   * (no client certificate of the admin's), its context namespace `namespace`.
   */
  kubeconfigWithToken(token: string, namespace?: string): string;
  /**
   * A user that may do everything in `namespace` (default: ns) and nothing
   * elsewhere: on a given cluster a ServiceAccount bound there to a Role of
   * every verb on every resource, its token in the kubeconfig; on a sandbox
   * (started with clientCertificates) a certificate confined the same way.
   * On a given cluster `rules` can narrow the Role (a sandbox knows no other).
   */
  namespaceUser(namespace?: string, opts?: { name?: string; rules?: RbacRule[] }): Promise<{ kubeconfig: string; user: string }>;
  /** Whether the cluster refuses what namespaceUser's RBAC does not allow (a sandbox does when started with clientCertificates). */
  enforcesRbac(): Promise<boolean>;
  /** Skips the test at run time: the given cluster cannot do what it needs. Return right after. */
  skip(t: Hooks, reason: string): void;
}

export interface Background {
  /** Everything printed so far, both streams. */
  output(): string;
  /**
   * Resolves when the output, from `from` (an earlier output().length) on,
   * matches `pattern` (with what matched) or satisfies it (a function).
   */
  waitFor(pattern: RegExp | ((out: string) => boolean), from?: number, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** One rule of an RBAC Role. */
export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Cluster-scoped kinds tests make, and where they are served. */
const CLUSTER_KINDS = {
  Namespace: 'v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  CustomResourceDefinition: 'apiextensions.k8s.io/v1',
  StorageClass: 'storage.k8s.io/v1',
} as const;
export type ClusterKind = keyof typeof CLUSTER_KINDS;

/**
 * The `skip` option of a test that needs what only a sandbox has (`what`:
 * 'fault hooks', 'image rules'...): false on sandboxes; on a given cluster the
 * reason, printed by the test runner and counted by scripts/test.mjs.
 */
export function sandboxOnly(what: string): string | false {
  const reason = `needs sandbox ${what}`;
  record({ kind: ON_GIVEN_CLUSTER ? 'skipped' : 'sandbox-only', reason });
  return ON_GIVEN_CLUSTER ? reason : false;
}

/** A server tests make namespaces in: a sandbox, or the given cluster. */
interface Server {
  /** The admin kubeconfig, used as the template of each test's. */
  kubeconfig: string;
  sandbox?: Sandbox;
  /** Whether the server is this test's alone and stops with it (its namespaces need no deleting). */
  private: boolean;
}

/** One test's cluster: a sandbox started for it, or the given cluster. */
export async function cluster(t: Hooks, opts: ClusterOptions = {}): Promise<Cluster> {
  const ns = namespaceOf(t.name);
  if (ON_GIVEN_CLUSTER) return attach(t, givenServer(), ns);
  const sandbox = await startSandbox({ readyDelayMs: 0, ...(typeof opts.sandbox === 'function' ? opts.sandbox(ns) : opts.sandbox) });
  let stopped = false;
  const stop = async () => {
    if (!stopped) await sandbox.stop();
    stopped = true;
  };
  try {
    return await attach(t, { kubeconfig: sandbox.kubeconfigPath, sandbox, private: true }, ns, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * One sandbox for all the tests of a file (started in `before`, stopped in
 * `after`), or the given cluster; each test still gets a namespace of its own.
 */
export function sharedCluster(opts: { sandbox?: SandboxOptions } = {}): { cluster(t: Hooks): Promise<Cluster>; readonly sandbox: Sandbox | undefined } {
  let sandbox: Sandbox | undefined;
  if (!ON_GIVEN_CLUSTER) {
    before(async () => {
      sandbox = await startSandbox({ readyDelayMs: 0, ...opts.sandbox });
    });
    after(async () => {
      await sandbox?.stop();
    });
  }
  return {
    get sandbox() {
      return sandbox;
    },
    cluster(t) {
      if (ON_GIVEN_CLUSTER) return attach(t, givenServer(), namespaceOf(t.name));
      if (!sandbox) throw new Error('the shared sandbox starts in before()');
      return attach(t, { kubeconfig: sandbox.kubeconfigPath, sandbox, private: false }, namespaceOf(t.name));
    },
  };
}

let given: Server | undefined;
function givenServer(): Server {
  if (!given) {
    if (!existsSync(GIVEN_KUBECONFIG!)) throw new Error(`GDEPLOY_TEST_KUBECONFIG: ${GIVEN_KUBECONFIG} does not exist`);
    given = { kubeconfig: GIVEN_KUBECONFIG!, private: false };
  }
  return given;
}

/** A namespace name of the test's own: gd-e2e-<test>-<random>, a DNS label. */
function namespaceOf(test: string): string {
  return `gd-e2e-${slugOf(test)}-${random(5)}`;
}

async function attach(t: Hooks, server: Server, ns: string, stopServer?: () => Promise<void>): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-e2e-'));
  const namespaces: string[] = [];
  const clusterObjects: { kind: ClusterKind; name: string }[] = [];
  const groups: string[] = [];
  const children = new Set<Background>();
  let skipped: string | undefined;
  const kubeconfig = join(dir, 'kubeconfig');
  const config = kubeconfigFor(server.kubeconfig, ns);
  writeFileSync(kubeconfig, yaml.dump(config, { lineWidth: -1, noRefs: true }), { mode: 0o600 });
  const kube = await connect({ kubeconfig });

  const cleanup = async () => {
    for (const c of children) await c.stop('SIGKILL');
    try {
      if (!server.private) await deleteAll(kube, namespaces, clusterObjects, groups);
    } finally {
      kube.close();
      await stopServer?.();
      rmSync(dir, { recursive: true, force: true });
      record(skipped ? { kind: 'skipped', reason: skipped, test: t.name } : { kind: 'ran', test: t.name, on: server.sandbox ? 'sandbox' : 'given', namespaces, clusterObjects, groups });
    }
  };
  t.after(cleanup);

  const makeNamespace = async (name: string): Promise<string> => {
    namespaces.push(name);
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [E2E_LABEL]: RUN_ID } } });
    // Pods cannot be created before the namespace's default ServiceAccount exists.
    await until(`ServiceAccount ${name}/default`, async () => (await kube.find({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: name, name: 'default' })) !== undefined);
    return name;
  };
  await makeNamespace(ns);

  const kubectlArgs = () => ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kubectl-cache')];
  const kubectl = (args: string[], input?: string) =>
    run(KUBECTL, [...kubectlArgs(), ...args], { env: { KUBECONFIG: '' }, timeoutMs: 150_000, ...(input !== undefined ? { input } : {}) });
  const gdeployEnv = (env?: NodeJS.ProcessEnv) => ({ KUBECONFIG: '', XDG_CACHE_HOME: join(dir, 'cache'), ...env });
  let rbac: Promise<boolean> | undefined;

  const c: Cluster = {
    ns,
    kubeconfig,
    kube,
    ...(server.sandbox ? { sandbox: server.sandbox } : {}),
    gdeploy: (args, opts = {}) =>
      run(process.execPath, [GDEPLOY_BIN, '--kubeconfig', kubeconfig, ...args], {
        env: gdeployEnv(opts.env),
        timeoutMs: 170_000,
        ...(opts.input !== undefined ? { input: opts.input } : {}),
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
      }),
    kubectl,
    kubectlArgs,
    async get(kindName, namespace = ns) {
      const [kind, name] = kindName.split('/') as [string, string | undefined];
      const known = KNOWN_KINDS[kind.toLowerCase()];
      if (known) {
        const mapping = await kube.resolve(known.apiVersion, known.kind);
        const where = mapping.namespaced ? namespace : undefined;
        if (name === undefined) return kube.list(known, where);
        return kube.find({ ...known, name, ...(where ? { namespace: where } : {}) });
      }
      // Anything else (custom resources, short names) as kubectl resolves it.
      const r = await kubectl(['get', kindName, '-o', 'json', '-n', namespace]);
      if (r.code !== 0) {
        if (/NotFound|not found/.test(r.stderr)) return undefined;
        throw new Error(`kubectl get ${kindName}: ${r.stderr}`);
      }
      return JSON.parse(r.stdout);
    },
    async must(kindName, namespace) {
      const o = await c.get(kindName, namespace);
      if (!o) throw new Error(`${kindName} not found in ${namespace ?? ns}`);
      return o;
    },
    async create(text) {
      for (const doc of yaml.loadAll(text) as KubeObject[]) {
        if (!doc) continue;
        const mapping = await kube.resolve(doc.apiVersion, doc.kind);
        const metadata = mapping.namespaced ? { namespace: ns, ...doc.metadata } : doc.metadata;
        await kube.create({ ...doc, metadata }, { fieldManager: 'kubectl-create' });
      }
    },
    async rolledOut(kindName, namespace = ns) {
      const r = await kubectl(['rollout', 'status', kindName, '-n', namespace, '--timeout=120s']);
      if (r.code !== 0) throw new Error(`${kindName} did not roll out: ${r.stdout}${r.stderr}`);
    },
    spawn(args, env) {
      const bg = background(process.execPath, [GDEPLOY_BIN, '--kubeconfig', kubeconfig, ...args], { ...process.env, NO_COLOR: '1', CI: 'true', ...gdeployEnv(env) });
      children.add(bg);
      return bg;
    },
    namespace: (base) => makeNamespace(namespaceOf(base ?? t.name)),
    clusterName(kind, base) {
      const name = `gd-e2e-${slugOf(base)}-${random(5)}`;
      if (kind === 'Namespace') namespaces.push(name);
      else clusterObjects.push({ kind, name });
      return name;
    },
    group() {
      const g = `${random(8)}.gd-e2e.example.com`;
      groups.push(g);
      return g;
    },
    kubeconfigWithToken(token, namespace = ns) {
      const path = join(dir, `token-${random(6)}.kubeconfig`);
      const [context] = config.contexts;
      const withToken = { ...config, users: [{ name: context.context.user, user: { token } }], contexts: [{ ...context, context: { ...context.context, namespace } }] };
      writeFileSync(path, yaml.dump(withToken, { lineWidth: -1, noRefs: true }), { mode: 0o600 });
      return path;
    },
    async namespaceUser(namespace = ns, { name: sa = 'gd-e2e-deployer', rules = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] } = {}) {
      const user = `system:serviceaccount:${namespace}:${sa}`;
      const path = join(dir, `${namespace}-user.kubeconfig`);
      if (server.sandbox) {
        if (rules.length !== 1 || rules[0]!.verbs[0] !== '*') throw new Error('a sandbox confines a user to a namespace, not to narrower rules');
        const cert = server.sandbox.issueClientCertificate({ user, namespace });
        const [context] = config.contexts;
        const confined = {
          ...config,
          users: [{ name: context.context.user, user: { 'client-certificate-data': Buffer.from(cert.certPem).toString('base64'), 'client-key-data': Buffer.from(cert.keyPem).toString('base64') } }],
          contexts: [{ ...context, context: { ...context.context, namespace } }],
        };
        writeFileSync(path, yaml.dump(confined, { lineWidth: -1, noRefs: true }), { mode: 0o600 });
        return { kubeconfig: path, user };
      }
      await c.create(
        [
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace } },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: sa, namespace }, rules },
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name: sa, namespace },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
            subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
          },
        ]
          .map((o) => yaml.dump(o))
          .join('---\n'),
      );
      const token = await kubectl(['create', 'token', sa, '-n', namespace, '--duration=2h']);
      if (token.code !== 0) throw new Error(`kubectl create token: ${token.stderr}`);
      const kubeconfigPath = c.kubeconfigWithToken(token.stdout.trim(), namespace);
      // RBAC takes a moment to see a new binding.
      await until(`${user} may act in ${namespace}`, async () => {
        const r = await run(KUBECTL, ['--kubeconfig', kubeconfigPath, 'auth', 'can-i', 'create', 'configmaps'], { env: { KUBECONFIG: '' } });
        return r.stdout.trim() === 'yes';
      });
      return { kubeconfig: kubeconfigPath, user };
    },
    enforcesRbac: () => (rbac ??= probeRbac(c)),
    skip(tc, reason) {
      skipped = reason;
      tc.skip(reason);
    },
  };
  return c;
}

/** Kinds get() reads in this process; the rest go through kubectl. */
const KNOWN_KINDS: Record<string, { apiVersion: string; kind: string }> = {};
for (const [apiVersion, kind, ...names] of [
  ['apps/v1', 'Deployment', 'deploy'],
  ['apps/v1', 'StatefulSet', 'sts'],
  ['apps/v1', 'DaemonSet', 'ds'],
  ['apps/v1', 'ReplicaSet', 'rs'],
  ['v1', 'Pod', 'po'],
  ['v1', 'ConfigMap', 'cm'],
  ['v1', 'Secret'],
  ['v1', 'Service', 'svc'],
  ['v1', 'ServiceAccount', 'sa'],
  ['v1', 'Namespace', 'ns'],
  ['coordination.k8s.io/v1', 'Lease'],
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'crd'],
] as const) {
  const lower = kind.toLowerCase();
  for (const n of [lower, `${lower}s`, ...names]) KNOWN_KINDS[n] = { apiVersion, kind };
}

/** The given kubeconfig's current context alone, its namespace set to `ns`, its file paths absolute. */
function kubeconfigFor(path: string, ns: string): Record<string, any> {
  const cfg = yaml.load(readFileSync(path, 'utf8')) as Record<string, any>;
  const contextName = cfg['current-context'];
  const context = (cfg.contexts ?? []).find((c: any) => c.name === contextName);
  if (!context) throw new Error(`${path} has no current context`);
  const cluster = (cfg.clusters ?? []).find((c: any) => c.name === context.context.cluster);
  const user = (cfg.users ?? []).find((u: any) => u.name === context.context.user);
  const base = dirname(resolvePath(path));
  const absolute = (entry: Record<string, any> | undefined, keys: string[]) => {
    for (const k of keys) if (entry && typeof entry[k] === 'string' && !isAbsolute(entry[k])) entry[k] = join(base, entry[k]);
  };
  absolute(cluster?.cluster, ['certificate-authority']);
  absolute(user?.user, ['client-certificate', 'client-key', 'tokenFile']);
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: cluster ? [cluster] : [],
    users: user ? [user] : [],
    contexts: [{ ...context, context: { ...context.context, namespace: ns } }],
    'current-context': contextName,
  };
}

/**
 * Deletes what a test made, then waits (a bounded time) for it to be gone: a
 * namespace on a real cluster stays Terminating until its contents are gone.
 */
async function deleteAll(kube: Kube, namespaces: string[], objects: { kind: ClusterKind; name: string }[], groups: string[]): Promise<void> {
  const refs: ObjectRef[] = [
    ...objects.map(({ kind, name }) => ({ apiVersion: CLUSTER_KINDS[kind], kind, name })),
    ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', name })),
  ];
  if (groups.length > 0) {
    const crds = await kube.list({ apiVersion: CLUSTER_KINDS.CustomResourceDefinition, kind: 'CustomResourceDefinition' }, undefined);
    for (const crd of crds.items) {
      if (groups.includes((crd.spec as { group?: string } | undefined)?.group ?? '')) {
        refs.push({ apiVersion: CLUSTER_KINDS.CustomResourceDefinition, kind: 'CustomResourceDefinition', name: crd.metadata.name! });
      }
    }
  }
  await Promise.all(refs.map((ref) => kube.delete(ref).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)))));
  const deadline = Date.now() + CLEANUP_SECONDS * 1000;
  let left = refs;
  while (left.length > 0 && Date.now() < deadline) {
    const found = await Promise.all(left.map((ref) => kube.find(ref)));
    left = left.filter((_, i) => found[i] !== undefined);
    if (left.length > 0) await sleep(250);
  }
  if (left.length > 0) {
    process.stderr.write(`# still terminating after ${CLEANUP_SECONDS}s, left to the cluster: ${left.map((r) => `${r.kind}/${r.name}`).join(', ')}\n`);
  }
}

/**
 * Whether RBAC is enforced: a token of a ServiceAccount with no binding must
 * be refused a read of this namespace's ConfigMaps.
 */
async function probeRbac(c: Cluster): Promise<boolean> {
  // A sandbox confines the certificates namespaceUser issues when it authenticates clients by certificate.
  if (c.sandbox) return c.sandbox.kubeconfig.includes('client-certificate-data');
  const sa = 'gd-e2e-rbac-probe';
  const created = await c.kubectl(['create', 'serviceaccount', sa]);
  if (created.code !== 0) throw new Error(`kubectl create serviceaccount: ${created.stderr}`);
  const token = await c.kubectl(['create', 'token', sa]);
  if (token.code !== 0) return false;
  const r = await run(KUBECTL, ['--kubeconfig', c.kubeconfigWithToken(token.stdout.trim()), 'get', 'configmaps'], { env: { KUBECONFIG: '' } });
  return r.code !== 0 && /Forbidden|forbidden/.test(r.stderr);
}

async function until(what: string, check: () => Promise<boolean>, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what}`);
    await sleep(50);
  }
}

/** A DNS label of a test's name: lower case letters, digits and dashes, at most 50 characters. */
function slugOf(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 50).replace(/^-+|-+$/g, '');
  return slug || 'test';
}

function random(n: number): string {
  let s = '';
  while (s.length < n) s += randomBytes(8).readBigUInt64BE().toString(36);
  return s.slice(0, n);
}

type Entry =
  | { kind: 'ran'; test: string; on: 'sandbox' | 'given'; namespaces: string[]; clusterObjects: { kind: string; name: string }[]; groups: string[] }
  | { kind: 'skipped'; reason: string; test?: string }
  | { kind: 'sandbox-only'; reason: string };

function record(entry: Entry): void {
  const file = process.env.GDEPLOY_TEST_RECORD;
  if (!file) return;
  const testFile = process.argv.find((a) => /\.(test|probe)\.ts$/.test(a));
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify({ ...entry, file: testFile ? basename(testFile) : undefined })}\n`);
}

function background(cmd: string, args: string[], env: NodeJS.ProcessEnv): Background {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: string) => {
    out += d;
    for (const w of waiters) w();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    output: () => out,
    waitFor(pattern, from = 0, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = typeof pattern === 'function' ? (pattern(out.slice(from)) ? [''] : null) : pattern.exec(out.slice(from));
          if (m) {
            cleanup();
            resolve(m[0]!);
          } else if (done) {
            cleanup();
            reject(new Error(`gdeploy exited before printing ${pattern}; output:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/** A temporary directory named `name` (the default app name) with these files, removed after the test. */
export function manifests(t: { after: (fn: () => void) => void }, name: string, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'gdeploy-e2e-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, name);
  mkdirSync(dir);
  write(dir, files);
  return dir;
}

/** Writes files into `dir`; null deletes one. */
export function write(dir: string, files: Record<string, string | null>): void {
  for (const [file, text] of Object.entries(files)) {
    if (text === null) rmSync(join(dir, file), { force: true });
    else {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
  }
}
