// `GET /api/v1/namespaces/<ns>/pods/<name>/log`: what `kubectl logs` reads,
// with container, previous, tailLines, sinceSeconds, limitBytes, timestamps
// and follow, and the kubelet's errors for containers that never started.
import { badRequest, notFound } from '../errors.js';
import { sendJson } from '../http/negotiate.js';
import type { LogBook, LogLine } from './logbook.js';
import type { Pod } from './objects.js';
import type { Runtime } from './runtime.js';
import type { Middleware } from './index.js';

const LOG_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/;

function waitingMessage(pod: Pod, container: string): string | undefined {
  const cs = pod.status?.containerStatuses?.find((c) => c.name === container);
  const reason = cs?.state.waiting?.reason;
  if (!cs?.containerID && reason !== undefined) {
    const why = reason === 'ErrImagePull' || reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : reason;
    return `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${why}`;
  }
  if (!cs && !pod.spec.nodeName) return `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ContainerCreating`;
  return undefined;
}

/** RFC3339 with nanoseconds, as the kubelet stamps log lines. */
function stamp(at: number): string {
  return new Date(at).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function podLogs(rt: Runtime, logs: LogBook): Middleware {
  return (req, res, url) => {
    const m = LOG_PATH.exec(url.pathname);
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const ns = decodeURIComponent(m[1]!);
    const name = decodeURIComponent(m[2]!);
    const q = url.searchParams;
    const podRes = rt.res('', 'Pod');
    const pod = rt.cache.get<Pod>('', 'Pod', ns, name);
    const fail = (status: { code: number }) => {
      sendJson(res, status.code, status);
      return true;
    };
    if (!pod) return fail(notFound(podRes, name).status);
    const names = pod.spec.containers.map((c) => c.name);
    let container = q.get('container') ?? undefined;
    if (!container) {
      if (names.length !== 1) return fail(badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`).status);
      container = names[0]!;
    }
    if (!names.includes(container)) return fail(badRequest(`container ${container} is not valid for pod ${name}`).status);
    const previous = q.get('previous') === 'true';
    const uid = pod.metadata.uid ?? '';
    if (previous && !logs.hasPrevious(uid, container)) {
      return fail(badRequest(`previous terminated container "${container}" in pod "${name}" not found`).status);
    }
    const waiting = previous ? undefined : waitingMessage(pod, container);
    if (waiting) return fail(badRequest(waiting).status);

    let lines: LogLine[] = logs.read(uid, container, previous);
    const since = Number(q.get('sinceSeconds') ?? 0);
    if (since > 0) lines = lines.filter((l) => l.at >= Date.now() - since * 1000);
    const tail = q.get('tailLines');
    if (tail !== null && Number(tail) >= 0) lines = Number(tail) === 0 ? [] : lines.slice(-Number(tail));
    const timestamps = q.get('timestamps') === 'true';
    const render = (l: LogLine) => `${timestamps ? stamp(l.at) + ' ' : ''}${l.text}\n`;
    let text = lines.map(render).join('');
    const limit = Number(q.get('limitBytes') ?? 0);
    if (limit > 0) text = Buffer.from(text).subarray(0, limit).toString();

    const follow = q.get('follow') === 'true' && !previous;
    res.writeHead(200, { 'Content-Type': 'text/plain', ...(follow ? { 'Transfer-Encoding': 'chunked' } : {}) });
    if (!follow) {
      res.end(text);
      return true;
    }
    res.write(text);
    const stop = logs.follow(uid, container, (l) => res.write(render(l)), () => {
      stop();
      res.end();
    });
    res.on('close', stop);
    return true;
  };
}
