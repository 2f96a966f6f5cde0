// The kubeconfig that points kubectl, gdeploy and @kubernetes/client-node at a
// sandbox. Cluster, user and context share one name, as kind names them.
//
//   kubeconfigYaml({ server: 'https://127.0.0.1:6443', caPem, token }): string
//   kubeconfigYaml({ server, caPem, clientCertificate: { certPem, keyPem } }): string
import yaml from 'js-yaml';
import type { ClientCertificate } from './tls.js';

export const SANDBOX_CONTEXT = 'gdeploy-sandbox';

export interface KubeconfigOptions {
  /** e.g. http://127.0.0.1:43121 or https://127.0.0.1:43121 */
  server: string;
  /** The CA that signed the serving certificate (TLS only). */
  caPem?: string;
  /** A bearer token (with TLS: a token sent over plain http can be read by anyone on the path). */
  token?: string;
  /** A client certificate and its key, embedded as client-certificate-data and client-key-data. */
  clientCertificate?: ClientCertificate;
  /** The context's default namespace (default: "default"). */
  namespace?: string;
  /** Name of the cluster, user and context (default: gdeploy-sandbox). */
  contextName?: string;
}

export function kubeconfigYaml(opts: KubeconfigOptions): string {
  const name = opts.contextName ?? SANDBOX_CONTEXT;
  const cluster: Record<string, string> = { server: opts.server };
  if (opts.caPem) cluster['certificate-authority-data'] = Buffer.from(opts.caPem).toString('base64');
  const user: Record<string, string> = {};
  if (opts.token) user.token = opts.token;
  if (opts.clientCertificate) {
    user['client-certificate-data'] = Buffer.from(opts.clientCertificate.certPem).toString('base64');
    user['client-key-data'] = Buffer.from(opts.clientCertificate.keyPem).toString('base64');
  }
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: opts.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  };
  return yaml.dump(config, { lineWidth: -1, noRefs: true });
}
