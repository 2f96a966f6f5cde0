// Connecting as kubectl does: the kubeconfig (see kubeconfig.ts), the context
// from --context else current-context, the namespace from -n else the
// context's else 'default'. Credentials that need a plugin (exec,
// auth-provider) come from client-node, loaded only then. A 401 names the
// kubeconfig user whose credentials the server turned down, and which kind.
import type https from 'node:https';
import { KubeClient } from './client.js';
import { KubeError } from './errors.js';
import { Transport, type Credentials, type Request, type TransportOptions } from './http.js';
import { DEFAULT_RETRY } from './retry.js';
import { kubeconfigFiles, loadKubeconfig, needsPlugin, selectContext, staticCredentials, type Selected } from './kubeconfig.js';
import type { Kube } from './types.js';
import { log } from '../ui/log.js';

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** Log each request (-v). */
  log?: (line: string) => void;
  /**
   * --retry-timeout: how long requests are retried while the server is
   * unreachable or failing, counted per outage (ms; 0: no retries).
   */
  retryTimeoutMs?: number;
}

export async function connect(opts: ConnectOptions): Promise<Kube> {
  const files = kubeconfigFiles(opts.kubeconfig);
  const sel = selectContext(loadKubeconfig(files), opts.context);
  if (sel.cluster['insecure-skip-tls-verify']) {
    log.warn(`not verifying the certificate of ${sel.cluster.server}: the kubeconfig sets insecure-skip-tls-verify for context "${sel.contextName}"`);
  }
  const credentials = needsPlugin(sel.user) ? () => pluginCredentials(files, sel) : async () => staticCredentials(sel);
  const retry = { ...DEFAULT_RETRY, ...(opts.retryTimeoutMs !== undefined ? { budgetMs: opts.retryTimeoutMs } : {}) };
  const transport = new ContextTransport({ server: sel.cluster.server, credentials, log: opts.log, retry, notify: (line) => log.info(line) }, sel);
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

/** The transport of one kubeconfig context: a 401 says whose credentials, of which kind, the server refused. */
class ContextTransport extends Transport {
  constructor(
    opts: TransportOptions,
    private readonly sel: Selected,
  ) {
    super(opts);
  }

  override async json<T>(req: Request): Promise<T> {
    try {
      return await super.json<T>(req);
    } catch (err) {
      throw this.explain(err);
    }
  }

  override async stream(req: Request, onLine: (line: string) => void): Promise<void> {
    try {
      await super.stream(req, onLine);
    } catch (err) {
      throw this.explain(err);
    }
  }

  private explain(err: unknown): unknown {
    if (!(err instanceof KubeError) || err.code !== 401) return err;
    const { credential, hint } = describeCredentials(this.sel);
    return new KubeError({
      code: err.code,
      reason: err.reason,
      message: `the API server at ${this.server.origin} refused ${credential} of user "${this.sel.context.user}" (context "${this.sel.contextName}"): 401 Unauthorized`,
      hint,
      ...(err.subject !== undefined ? { subject: err.subject } : {}),
      ...(err.method !== undefined ? { method: err.method } : {}),
      ...(err.url !== undefined ? { url: err.url } : {}),
    });
  }
}

/** What the request presented, and what to do about each. A client certificate goes with any other credential. */
function describeCredentials(sel: Selected): { credential: string; hint: string } {
  const u = sel.user;
  const presented: { credential: string; hint: string }[] = [];
  if (u['client-certificate'] !== undefined || u['client-certificate-data'] !== undefined) {
    presented.push({
      credential: 'the client certificate',
      hint: 'the certificate is not signed by a CA this cluster trusts for clients, or has expired; get a new one from the cluster\'s administrator',
    });
  }
  if (u.exec !== undefined) presented.push({ credential: 'the credentials from the exec plugin', hint: 'run the plugin by hand to see what it returns, or log in again with the tool it belongs to' });
  else if (u['auth-provider'] !== undefined) presented.push({ credential: 'the credentials from the auth provider', hint: 'log in again to refresh them' });
  else if (u.token !== undefined || u.tokenFile !== undefined) presented.push({ credential: 'the token', hint: 'the token is unknown to this cluster or has expired; get a new one' });
  else if (u.username !== undefined) presented.push({ credential: 'the username and password', hint: 'check them, and that the cluster accepts basic authentication' });
  if (presented.length === 0) return { credential: 'the anonymous request', hint: 'the kubeconfig user has no credentials; add a token, a client certificate or an exec plugin' };
  return { credential: presented.map((p) => p.credential).join(' and '), hint: presented.map((p) => p.hint).join('; ') };
}
