// The one retry policy for requests to the API server: bounded attempts with
// jittered exponential backoff, honouring Retry-After. Only what is safe to
// repeat is repeated: a 429 was not processed, so any verb may go again; other
// transient failures (5xx, a reset connection) are retried only for verbs whose
// repetition cannot do twice what was asked once (GET, PUT guarded by
// resourceVersion, server-side apply PATCH, DELETE). A POST never is.

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Longest Retry-After honoured; a server asking for more gets this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 200, maxMs: 5_000, maxRetryAfterMs: 30_000 };

const TRANSIENT = new Set([0, 500, 502, 503, 504]);

export function retriable(method: string, status: number): boolean {
  if (status === 429) return true;
  return method !== 'POST' && TRANSIENT.has(status);
}

/** How long to wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfter: string | undefined, random = Math.random): number {
  const seconds = retryAfter === undefined ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, policy.maxRetryAfterMs);
  const exp = Math.min(policy.baseMs * 2 ** (attempt - 1), policy.maxMs);
  return Math.round(exp / 2 + random() * (exp / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
