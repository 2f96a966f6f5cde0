// Connecting as kubectl does: the kubeconfig (see kubeconfig.ts), the context
// from --context else current-context, the namespace from -n else the
// context's else 'default'. Credentials that need a plugin (exec,
// auth-provider) come from client-node, loaded only then.
import type https from 'node:https';
import { KubeClient } from './client.js';
import { Transport, type Credentials } from './http.js';
import { kubeconfigFiles, loadKubeconfig, needsPlugin, selectContext, staticCredentials, type Selected } from './kubeconfig.js';
import type { Kube } from './types.js';
import { log } from '../ui/log.js';

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** Log each request (-v). */
  log?: (line: string) => void;
}

export async function connect(opts: ConnectOptions): Promise<Kube> {
  const files = kubeconfigFiles(opts.kubeconfig);
  const sel = selectContext(loadKubeconfig(files), opts.context);
  if (sel.cluster['insecure-skip-tls-verify']) {
    log.warn(`not verifying the certificate of ${sel.cluster.server}: the kubeconfig sets insecure-skip-tls-verify for context "${sel.contextName}"`);
  }
  const credentials = needsPlugin(sel.user) ? () => pluginCredentials(files, sel) : async () => staticCredentials(sel);
  const transport = new Transport({ server: sel.cluster.server, credentials, log: opts.log });
  return new KubeClient(transport, {
    context: sel.contextName,
    namespace: opts.namespace || sel.context.namespace || 'default',
    namespaceExplicit: Boolean(opts.namespace),
  });
}

/** Runs the user's exec plugin or auth provider through client-node (which caches tokens until they expire). */
async function pluginCredentials(files: string[], sel: Selected): Promise<Credentials> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(files[0]!);
  for (const f of files.slice(1)) {
    const more = new KubeConfig();
    more.loadFromFile(f);
    for (const u of more.users) if (!kc.getUser(u.name)) kc.addUser(u);
    for (const c of more.clusters) if (!kc.getCluster(c.name)) kc.addCluster(c);
    for (const c of more.contexts) if (!kc.getContextObject(c.name)) kc.addContext(c);
  }
  kc.setCurrentContext(sel.contextName);
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  // client-node refuses plain-HTTP servers unless TLS checks are off; for http:// they mean nothing anyway.
  if (cluster && user && cluster.server.startsWith('http:')) kc.loadFromClusterAndUser({ ...cluster, skipTLSVerify: true }, user);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const { tls } = staticCredentials(sel);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  if (opts.cert) tls.cert = opts.cert as Buffer;
  if (opts.key) tls.key = opts.key as Buffer;
  return { tls, headers };
}
