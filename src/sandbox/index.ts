// The sandbox: an in-memory Kubernetes API server with simulated
// controllers, in this process. Tests and `gdeploy sandbox` start it here.
//
//   const sb = await startSandbox();          // http://127.0.0.1:<free port>
//   run kubectl --kubeconfig sb.kubeconfigPath ...
//   await sb.stop();
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrdController } from './crd.js';
import { GarbageCollector } from './gc.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { bootstrapCluster, NamespaceController } from './namespaces.js';
import { ADMIN_GROUP, ADMIN_USER, Authenticator } from './auth.js';
import { ApiServer } from './server.js';
import { loadState, persistState, type StatePersister } from './state.js';
import { MemoryStore } from './store.js';
import { generateTlsMaterial, generateToken, issueClientCertificate, type ClientCertificate, type ClientIdentity, type TlsMaterial } from './tls.js';
import { inertWorkloads, startWorkloads, type ApiServerHandle, type WorkloadOptions, type Workloads } from './workloads/index.js';

export { MemoryStore } from './store.js';
export { ApiError } from './errors.js';
export type { ApiServerHandle, Middleware, Workloads, WorkloadOptions } from './workloads/index.js';

export interface SandboxOptions extends WorkloadOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Serve HTTPS: true makes a fresh CA and certificate. */
  tls?: boolean | TlsMaterial;
  /** Require this bearer token (true makes a random one); the kubeconfig carries it. */
  token?: string | boolean;
  /**
   * More bearer tokens, each confined to one namespace as a RoleBinding to
   * `admin` there would confine it: everything in that namespace, nothing
   * cluster-scoped, no lists across namespaces. Turns token checking on.
   *   scopedTokens: { 'ns-a-token': { namespace: 'team-a' } }
   */
  scopedTokens?: Record<string, ScopedToken>;
  /**
   * Authenticate clients by certificate, as kube-apiserver does with the
   * cluster CA as --client-ca-file: the user is the certificate's CN, the
   * groups its O fields. The kubeconfig then carries a certificate for
   * kubernetes-admin (O=kubeadm:cluster-admins, as kubeadm's admin.conf)
   * instead of a token. Needs TLS; turns it on unless `tls` is false.
   */
  clientCertificates?: boolean;
  /** Keep objects in this file across restarts of the process. */
  stateFile?: string;
  /** Where to write the kubeconfig (default: a fresh temporary directory). */
  kubeconfigPath?: string;
  /** Run the simulated controllers, kubelet and registry (default true). */
  workloads?: boolean;
  /** How many past events watches can resume from. */
  historySize?: number;
}

export interface ScopedToken {
  namespace: string;
  /** The user RBAC messages name (default: the namespace's default ServiceAccount). */
  user?: string;
}

export interface Sandbox {
  url: string;
  /** kubeconfig YAML pointing at the sandbox. */
  kubeconfig: string;
  kubeconfigPath: string;
  store: MemoryStore;
  server: ApiServerHandle;
  /** The simulated cluster's switches: pause/resume, faults, image behaviour. */
  hooks: Workloads;
  token?: string;
  caPem?: string;
  /**
   * A client certificate signed by the sandbox's CA (needs `clientCertificates`).
   * A user in no cluster-admin group may act only in `namespace`, as a
   * RoleBinding to `admin` there allows, or nowhere without one.
   */
  issueClientCertificate(id: ClientIdentity & { namespace?: string }): ClientCertificate;
  stop(): Promise<void>;
  /**
   * The API server goes away, as kube-apiserver does while it restarts: new
   * connections are refused and open ones (watches too) are cut. Every object
   * stays, and the controllers keep running.
   */
  down(): Promise<void>;
  /** Serves again on the same port after down(), so clients find it where they left it. */
  up(): Promise<void>;
  /** down() then up(). */
  restart(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  if (opts.clientCertificates && opts.tls === false) throw new Error('client certificates need TLS: do not pass tls: false with clientCertificates');
  const store = new MemoryStore({ ...(opts.historySize !== undefined ? { historySize: opts.historySize } : {}) });
  if (opts.stateFile) {
    const saved = loadState(opts.stateFile);
    if (saved) store.restore(saved);
  }
  const controllers = [new CrdController(store), new NamespaceController(store), new GarbageCollector(store)];
  bootstrapCluster(store);
  const persister: StatePersister | undefined = opts.stateFile
    ? persistState(opts.stateFile, { snapshot: () => store.snapshot(), subscribe: (l) => store.subscribeRaw(() => l()) })
    : undefined;

  const tls = opts.tls === true || (opts.clientCertificates && opts.tls === undefined) ? generateTlsMaterial() : opts.tls || undefined;
  const scoped = opts.scopedTokens ?? {};
  const token = opts.token === true || (!opts.token && Object.keys(scoped).length > 0) ? generateToken() : opts.token || undefined;
  const auth = token || opts.clientCertificates ? authenticator(token, scoped) : undefined;
  const clientCa = opts.clientCertificates ? tls : undefined;
  const server = new ApiServer(store, { ...(tls ? { tls } : {}), ...(auth ? { auth } : {}), ...(clientCa ? { clientCaPem: clientCa.caPem } : {}) });
  let port: number;
  try {
    port = await server.listen(opts.port ?? 0);
  } catch (err) {
    for (const c of controllers) c.stop();
    persister?.stop();
    throw err;
  }
  const hooks = opts.workloads === false ? inertWorkloads(server) : startWorkloads(store, server, opts);

  const issue = (id: ClientIdentity & { namespace?: string }): ClientCertificate => {
    if (!clientCa || !auth) throw new Error('this sandbox does not authenticate client certificates: start it with clientCertificates: true');
    if (id.namespace !== undefined) auth.bindUser(id.user, id.namespace);
    return issueClientCertificate(clientCa, id);
  };
  const credentials = clientCa ? { clientCertificate: issue({ user: ADMIN_USER, groups: [ADMIN_GROUP] }) } : token ? { token } : {};
  const kubeconfig = kubeconfigYaml({ server: server.url, ...(tls ? { caPem: tls.caPem } : {}), ...credentials });
  const tempDir = opts.kubeconfigPath ? undefined : mkdtempSync(join(tmpdir(), 'gdeploy-sandbox-'));
  const kubeconfigPath = opts.kubeconfigPath ?? join(tempDir!, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });

  let stopped = false;
  let serving = true;
  const down = async (): Promise<void> => {
    serving = false;
    await server.close();
  };
  const up = async (): Promise<void> => {
    if (serving || stopped) return;
    await server.listen(port);
    serving = true;
  };
  return {
    url: server.url,
    kubeconfig,
    kubeconfigPath,
    store,
    server,
    hooks,
    ...(token ? { token } : {}),
    ...(tls ? { caPem: tls.caPem } : {}),
    issueClientCertificate: issue,
    async stop() {
      if (stopped) return;
      stopped = true;
      await hooks.stop();
      for (const c of controllers) c.stop();
      await server.close();
      persister?.stop();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
    down,
    up,
    async restart() {
      await down();
      await up();
    },
  };
}

function authenticator(adminToken: string | undefined, scoped: Record<string, ScopedToken>): Authenticator {
  const auth = new Authenticator(adminToken);
  for (const [token, { namespace, user }] of Object.entries(scoped)) {
    auth.addToken(token, { user: user ?? `system:serviceaccount:${namespace}:default`, namespace });
  }
  return auth;
}
