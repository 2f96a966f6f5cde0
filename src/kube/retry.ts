// The one retry policy for requests to the API server: bounded attempts with
// jittered exponential backoff, honouring Retry-After. Only what is safe to
// repeat is repeated:
// - a 429 was not processed, so any verb may go again;
// - a connection that could not be opened carried nothing, so any verb may go
//   again too;
// - other transient failures (5xx, a connection cut or silent after the
//   request was written) are retried only for verbs whose repetition cannot do
//   twice what was asked once (GET, PUT guarded by resourceVersion,
//   server-side apply PATCH, DELETE). A POST never is: it may have happened.

import { TYPED_OBJECT_FAILURE } from './errors.js';

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Longest Retry-After honoured; a server asking for more gets this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 200, maxMs: 5_000, maxRetryAfterMs: 30_000 };

const TRANSIENT = new Set([500, 502, 503, 504]);

/** Whether a request answered with this status (and Status message) may be sent again. */
export function retriable(method: string, status: number, message?: string): boolean {
  if (status === 429) return true;
  // Server-side apply could not type the object (a string where a number belongs): the same request gets the same answer.
  if (status === 500 && message !== undefined && TYPED_OBJECT_FAILURE.test(message)) return false;
  return method !== 'POST' && TRANSIENT.has(status);
}

/** Failures to open a connection: the request was never written. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** Failures of a connection that may have carried the request already. */
const CUT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

export type Delivery = 'not sent' | 'maybe sent' | 'permanent';

/**
 * What a connection error (its Node.js `code`) says about the request:
 * certificate and protocol errors are permanent, repeating them only delays
 * the message the user needs.
 */
export function deliveryOf(code: string | undefined): Delivery {
  if (code && NOT_SENT.has(code)) return 'not sent';
  if (code && CUT.has(code)) return 'maybe sent';
  return 'permanent';
}

/** Whether a request that failed with this connection error may be sent again. */
export function retriableConnection(method: string, code: string | undefined): boolean {
  const delivery = deliveryOf(code);
  return delivery === 'not sent' || (delivery === 'maybe sent' && method !== 'POST');
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
