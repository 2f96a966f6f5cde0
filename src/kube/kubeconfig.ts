// Reading kubeconfig files as kubectl does: --kubeconfig, else every file of
// $KUBECONFIG (merged; for each name the first file that has it wins), else
// ~/.kube/config. Relative certificate paths are relative to the file naming
// them.
//
// Why not client-node's KubeConfig for all of it: importing
// @kubernetes/client-node costs about 1.3 s of CPU (it loads every generated
// API model), more than a whole `kubectl diff` of 600 objects spends. Static
// credentials (certificates, tokens, basic auth) are read here; users with
// `exec` or `auth-provider` go through client-node, which runs the plugins.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';
import { errorMessage, GdeployError, UsageError } from '../engine/errors.js';

export interface ClusterEntry {
  server: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  /** The directory of the file this entry came from. */
  dir: string;
}

export interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  as?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
  dir: string;
}

export interface ContextEntry {
  cluster: string;
  user: string;
  namespace?: string;
}

export interface Kubeconfig {
  files: string[];
  currentContext: string;
  clusters: Map<string, ClusterEntry>;
  users: Map<string, UserEntry>;
  contexts: Map<string, ContextEntry>;
}

/** The chosen context, its cluster and its user. */
export interface Selected {
  contextName: string;
  context: ContextEntry;
  cluster: ClusterEntry;
  user: UserEntry;
}

export function kubeconfigFiles(explicit: string | undefined): string[] {
  if (explicit) {
    if (!existsSync(explicit)) throw new UsageError(`kubeconfig file "${explicit}" not found (from --kubeconfig)`);
    return [explicit];
  }
  const env = process.env.KUBECONFIG;
  if (env) {
    // kubectl skips the files of $KUBECONFIG that do not exist, but needs one.
    const files = env.split(delimiter).filter((f) => f !== '' && existsSync(f));
    if (files.length === 0) throw new GdeployError(`no kubeconfig file found: none of $KUBECONFIG (${env}) exists`);
    return files;
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return [home];
  // Inside a Pod with no kubeconfig, the Pod's service account is the identity (as client-go's rest.InClusterConfig).
  if (inClusterAvailable()) return [];
  throw new GdeployError(`no kubeconfig: ${home} does not exist`, { hint: 'pass --kubeconfig FILE or set KUBECONFIG' });
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const IN_CLUSTER = 'in-cluster';

function inClusterAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(join(SERVICE_ACCOUNT_DIR, 'token')));
}

/** The kubeconfig a Pod's service account amounts to: the API server's Service, its CA, its token and namespace. */
export function inClusterKubeconfig(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): Kubeconfig {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  const nsFile = join(dir, 'namespace');
  const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : undefined;
  return {
    files: [],
    currentContext: IN_CLUSTER,
    clusters: new Map([[IN_CLUSTER, { server, 'certificate-authority': join(dir, 'ca.crt'), dir }]]),
    users: new Map([[IN_CLUSTER, { tokenFile: join(dir, 'token'), dir }]]),
    contexts: new Map([[IN_CLUSTER, { cluster: IN_CLUSTER, user: IN_CLUSTER, ...(namespace ? { namespace } : {}) }]]),
  };
}

interface RawFile {
  'current-context'?: string;
  clusters?: Array<{ name?: string; cluster?: Omit<ClusterEntry, 'dir'> }>;
  users?: Array<{ name?: string; user?: Omit<UserEntry, 'dir'> }>;
  contexts?: Array<{ name?: string; context?: ContextEntry }>;
}

export function loadKubeconfig(files: string[]): Kubeconfig {
  if (files.length === 0) return inClusterKubeconfig();
  const cfg: Kubeconfig = { files, currentContext: '', clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    let raw: RawFile;
    try {
      raw = (yaml.load(readFileSync(file, 'utf8')) ?? {}) as RawFile;
    } catch (err) {
      throw new GdeployError(`cannot read kubeconfig ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const dir = dirname(file);
    cfg.currentContext ||= raw['current-context'] ?? '';
    for (const c of raw.clusters ?? []) if (c.name && c.cluster && !cfg.clusters.has(c.name)) cfg.clusters.set(c.name, { ...c.cluster, dir });
    for (const u of raw.users ?? []) if (u.name && !cfg.users.has(u.name)) cfg.users.set(u.name, { ...(u.user ?? {}), dir });
    for (const c of raw.contexts ?? []) if (c.name && c.context && !cfg.contexts.has(c.name)) cfg.contexts.set(c.name, c.context);
  }
  return cfg;
}

export function selectContext(cfg: Kubeconfig, name: string | undefined): Selected {
  const where = cfg.files.join(', ');
  const contextName = name || cfg.currentContext;
  if (!contextName) throw new GdeployError(`no current-context is set in ${where}`, { hint: 'pass --context NAME' });
  const context = cfg.contexts.get(contextName);
  if (!context) {
    const known = [...cfg.contexts.keys()].join(', ') || 'none';
    if (name) throw new UsageError(`context "${name}" not found in ${where}`, `contexts there: ${known}`);
    throw new GdeployError(`current-context "${contextName}" not found in ${where}`, { hint: `pass --context NAME (contexts there: ${known})` });
  }
  const cluster = cfg.clusters.get(context.cluster);
  if (!cluster?.server) {
    throw new GdeployError(`context "${contextName}" in ${where} names cluster "${context.cluster}", which is missing or has no server`);
  }
  // kubectl allows a context without a user: anonymous requests.
  const user = cfg.users.get(context.user) ?? { dir: cluster.dir };
  return { contextName, context, cluster, user };
}

/** True when credentials need a plugin (exec, auth-provider) that client-node runs. */
export function needsPlugin(user: UserEntry): boolean {
  return user.exec !== undefined || user['auth-provider'] !== undefined;
}

export interface StaticCredentials {
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string };
  headers: Record<string, string>;
}

/** TLS material and headers for a user without plugins. Files are read now, so a rotated token is picked up on refresh. */
export function staticCredentials(sel: Selected): StaticCredentials {
  const { cluster, user } = sel;
  const tls: StaticCredentials['tls'] = {};
  const ca = material(sel, 'certificate-authority', cluster['certificate-authority-data'], cluster['certificate-authority'], cluster.dir);
  if (ca) tls.ca = ca;
  const pair = clientCertificate(sel);
  if (pair) Object.assign(tls, pair);
  if (cluster['insecure-skip-tls-verify']) tls.rejectUnauthorized = false;
  if (cluster['tls-server-name']) tls.servername = cluster['tls-server-name'];
  const headers: Record<string, string> = {};
  const token = user.token ?? (user.tokenFile ? readFileSync(resolvePath(user.tokenFile, user.dir), 'utf8').trim() : undefined);
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (user.username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
  if (user.as) headers['Impersonate-User'] = user.as;
  return { tls, headers };
}

/**
 * The user's client certificate and key, checked here as client-go's
 * tls.X509KeyPair checks them: a pair that cannot work is the kubeconfig's
 * fault and is said so, not reported later as a server that cannot be reached.
 * Messages never quote the material.
 */
function clientCertificate(sel: Selected): { cert: Buffer; key: Buffer } | undefined {
  const { user } = sel;
  const cert = material(sel, 'client-certificate', user['client-certificate-data'], user['client-certificate'], user.dir);
  const key = material(sel, 'client-key', user['client-key-data'], user['client-key'], user.dir);
  if (!cert && !key) return undefined;
  const who = userOf(sel);
  if (!cert) throw new GdeployError(`${who} has a client key but no client-certificate or client-certificate-data`);
  if (!key) throw new GdeployError(`${who} has a client certificate but no client-key or client-key-data`);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new GdeployError(`the client certificate of ${who} is not a PEM or DER certificate`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new GdeployError(`the client key of ${who} is not a PEM private key (or is encrypted)`);
  }
  if (!matches) throw new GdeployError(`the client key of ${who} does not belong to its client certificate`);
  return { cert, key };
}

function material(sel: Selected, field: string, data: string | undefined, file: string | undefined, dir: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (!file) return undefined;
  const path = resolvePath(file, dir);
  try {
    return readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err);
    const owner = field === 'certificate-authority' ? `cluster "${sel.context.cluster}"` : userOf(sel);
    throw new GdeployError(`cannot read ${field} ${path} of ${owner}: ${reason}`);
  }
}

function userOf(sel: Selected): string {
  return `user "${sel.context.user}" (context "${sel.contextName}")`;
}

function resolvePath(file: string, dir: string): string {
  return isAbsolute(file) ? file : join(dir, file);
}
