// The API server's proxy to Services and Pods:
//   /api/v1/namespaces/<ns>/services/[<scheme>:]<name>[:<port>]/proxy[/<path>]
//   /api/v1/namespaces/<ns>/pods/<name>[:<port>]/proxy[/<path>]
// A Service request goes to its Ready Pods in turn, as kube-proxy spreads
// connections; the simulated app answers with its greeting and logs the hit.
import type { ServerResponse } from 'node:http';
import { sendJson, sendNotFoundPath } from '../http/negotiate.js';
import { notFound } from '../errors.js';
import { accessLine, greeting } from './app.js';
import type { LogBook } from './logbook.js';
import { isTerminating, labelsMatch, type LabelSelector, type Pod } from './objects.js';
import { isPodReady } from './pods.js';
import type { Runtime } from './runtime.js';
import type { Middleware } from './index.js';

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/(services|pods)\/([^/]+)\/proxy(\/.*)?$/;
/** Where proxied requests come from, as the app sees them. */
const CLIENT_IP = '10.244.0.1';

function serviceUnavailable(res: ServerResponse, message: string): void {
  sendJson(res, 503, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'ServiceUnavailable', code: 503 });
}

/** `[scheme:]name[:port]` as the proxy path names a target. */
function targetName(raw: string): string {
  const parts = decodeURIComponent(raw).split(':');
  if (parts.length > 1 && (parts[0] === 'http' || parts[0] === 'https')) parts.shift();
  return parts[0] ?? '';
}

export function serviceProxy(rt: Runtime, logs: LogBook): Middleware {
  const turn = new Map<string, number>();
  return (req, res, url) => {
    const m = PROXY_PATH.exec(url.pathname);
    if (!m) return false;
    const [, ns, kind, rawName, rest] = m as unknown as [string, string, string, string, string | undefined];
    const name = targetName(rawName);
    const path = (rest ?? '/') + url.search;
    let pod: Pod | undefined;
    if (kind === 'pods') {
      const podRes = rt.res('', 'Pod');
      pod = rt.cache.get<Pod>('', 'Pod', ns, name);
      if (!pod) {
        sendJson(res, 404, notFound(podRes, name).status);
        return true;
      }
      if (pod.status?.phase !== 'Running') {
        serviceUnavailable(res, `pod is not running: ${pod.status?.phase ?? 'Pending'}`);
        return true;
      }
    } else {
      const svcRes = rt.res('', 'Service');
      const svc = rt.cache.get('', 'Service', ns, name);
      if (!svc) {
        sendJson(res, 404, notFound(svcRes, name).status);
        return true;
      }
      const selector = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector;
      const ready = (rt.cache.list('', 'Pod', ns) as Pod[])
        .filter((p) => labelsMatch({ matchLabels: selector } as LabelSelector, p.metadata.labels))
        .filter((p) => !isTerminating(p) && p.status?.phase === 'Running' && isPodReady(p))
        .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
      if (ready.length === 0) {
        serviceUnavailable(res, `no endpoints available for service "${name}"`);
        return true;
      }
      const key = `${ns}/${name}`;
      const i = turn.get(key) ?? 0;
      turn.set(key, i + 1);
      pod = ready[i % ready.length]!;
    }
    const container = pod.spec.containers[0];
    if (!container) {
      sendNotFoundPath(res);
      return true;
    }
    const body = greeting(container.image, pod.metadata.name!);
    logs.append(pod.metadata.uid ?? '', container.name, accessLine(CLIENT_IP, req.method ?? 'GET', path, 200));
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'X-Sandbox-Pod': pod.metadata.name!,
      'X-Sandbox-Image': container.image,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
