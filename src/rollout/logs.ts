// Reading a failing container's last log lines through the Kubernetes adapter.
import type { Kube } from '../kube/types.js';
import type { LogReader } from './failures.js';

/**
 * A LogReader over the `log` subresource. The adapter's get() takes no query
 * (container, previous, tailLines), so this reads the Pod's only container's
 * current log, which for a container in CrashLoopBackOff is its last run, and
 * keeps the tail here. A Pod with several containers answers 400, and the
 * report then says the logs are unavailable.
 */
export function logReaderOf(kube: Pick<Kube, 'get'>): LogReader {
  return async ({ namespace, pod }, { tailLines, signal }) => {
    // The body of the log subresource is plain text, not an object.
    const body: unknown = await kube.get({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod }, { subresource: 'log', signal });
    if (typeof body !== 'string') return '';
    const lines = body.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-tailLines).join('\n');
  };
}
