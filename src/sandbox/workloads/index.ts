// Contract between the API layer and the simulated cluster (controllers,
// kubelet, image registry, service proxy, logs, fault injection).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../types.js';

export interface WorkloadOptions {
  /** Simulated Ready nodes (default 1). */
  nodes?: number;
  /** Delay before a started container counts as Ready (default 300 ms; 0 for benchmarks). */
  readyDelayMs?: number;
  /** Multiplies every Kubernetes duration in seconds (probes, grace periods, deadlines) into real time (default 0.01). */
  timeFactor?: number;
  /** Image rules file (see README) or inline rules. */
  imagesFile?: string;
}

/**
 * HTTP middleware: return true when the request was fully handled. Runs before
 * the API router, so it can serve extra paths (service proxy, logs, admin
 * endpoint) or delay / fail requests on purpose.
 */
export type Middleware = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface ApiServerHandle {
  /** Adds a middleware; later ones run after earlier ones. */
  use(mw: Middleware): void;
  /** Closes every open watch connection (clients see the stream end). */
  cutWatches(): number;
}

export interface Workloads {
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export function startWorkloads(_store: Store, _server: ApiServerHandle, _opts: WorkloadOptions): Workloads {
  return { pause() {}, resume() {}, async stop() {} };
}
