// Filled in at build time (scripts/build.mjs); the fallbacks serve tests run from source.
declare const __GDEPLOY_VERSION__: string | undefined;
declare const __CLIENT_NODE_VERSION__: string | undefined;
declare const __KUBERNETES_API_VERSION__: string | undefined;

export const VERSION = typeof __GDEPLOY_VERSION__ === 'string' ? __GDEPLOY_VERSION__ : '0.0.0-dev';
export const CLIENT_NODE_VERSION = typeof __CLIENT_NODE_VERSION__ === 'string' ? __CLIENT_NODE_VERSION__ : 'unknown';
export const KUBERNETES_API_VERSION =
  typeof __KUBERNETES_API_VERSION__ === 'string' ? __KUBERNETES_API_VERSION__ : 'unknown';

export const VERSION_LINE = `gdeploy ${VERSION} (@kubernetes/client-node ${CLIENT_NODE_VERSION}, Kubernetes API ${KUBERNETES_API_VERSION})`;
