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
import { TokenAuthority } from './auth.js';
import { ApiServer } from './server.js';
import { loadState, persistState, type StatePersister } from './state.js';
import { MemoryStore } from './store.js';
import { generateTlsMaterial, generateToken, type TlsMaterial } from './tls.js';
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
  stop(): Promise<void>;
  /** Stops the HTTP server and starts it again on the same port, keeping every object. */
  restart(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
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

  const tls = opts.tls === true ? generateTlsMaterial() : opts.tls || undefined;
  const scoped = opts.scopedTokens ?? {};
  const token = opts.token === true || (!opts.token && Object.keys(scoped).length > 0) ? generateToken() : opts.token || undefined;
  const auth = token ? tokenAuthority(token, scoped) : undefined;
  const server = new ApiServer(store, { ...(tls ? { tls } : {}), ...(auth ? { auth } : {}) });
  let port: number;
  try {
    port = await server.listen(opts.port ?? 0);
  } catch (err) {
    for (const c of controllers) c.stop();
    persister?.stop();
    throw err;
  }
  const hooks = opts.workloads === false ? inertWorkloads(server) : startWorkloads(store, server, opts);

  const kubeconfig = kubeconfigYaml({ server: server.url, ...(tls ? { caPem: tls.caPem } : {}), ...(token ? { token } : {}) });
  const tempDir = opts.kubeconfigPath ? undefined : mkdtempSync(join(tmpdir(), 'gdeploy-sandbox-'));
  const kubeconfigPath = opts.kubeconfigPath ?? join(tempDir!, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });

  let stopped = false;
  return {
    url: server.url,
    kubeconfig,
    kubeconfigPath,
    store,
    server,
    hooks,
    ...(token ? { token } : {}),
    ...(tls ? { caPem: tls.caPem } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      await hooks.stop();
      for (const c of controllers) c.stop();
      await server.close();
      persister?.stop();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
    async restart() {
      await server.close();
      await server.listen(port);
    },
  };
}

function tokenAuthority(adminToken: string, scoped: Record<string, ScopedToken>): TokenAuthority {
  const auth = new TokenAuthority(adminToken);
  for (const [token, { namespace, user }] of Object.entries(scoped)) {
    auth.addToken(token, { user: user ?? `system:serviceaccount:${namespace}:default`, namespace });
  }
  return auth;
}
