// Reading a failing container's last log lines through the Kubernetes adapter.
import type { Kube } from '../kube/types.js';
import type { LogReader } from './failures.js';

/**
 * A LogReader over the `log` subresource, with its query (container,
 * previous, tailLines) after the subresource's name, as the API server reads
 * it. `previous` asks for the run that ended (the one that crashed, whether
 * the container is waiting in CrashLoopBackOff or already running again);
 * a container with no earlier run answers 400, and then its current log is
 * read, which for a container that exited is the run that ended.
 */
export function logReaderOf(kube: Pick<Kube, 'get'>): LogReader {
  return async ({ namespace, pod, container }, { tailLines, previous, signal }) => {
    const read = async (query: URLSearchParams): Promise<string> => {
      // The body of the log subresource is plain text, not an object.
      const body: unknown = await kube.get({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod }, { subresource: `log?${query}`, signal });
      if (typeof body !== 'string') return '';
      const lines = body.split('\n');
      if (lines.at(-1) === '') lines.pop();
      return lines.slice(-tailLines).join('\n');
    };
    const query = new URLSearchParams({ container, tailLines: String(tailLines) });
    if (previous) {
      try {
        return await read(new URLSearchParams([...query, ['previous', 'true']]));
      } catch {
        signal.throwIfAborted();
      }
    }
    return read(query);
  };
}
