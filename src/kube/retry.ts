// The one retry policy for requests to the API server: jittered exponential
// backoff, honouring Retry-After, for as long as the command's time budget
// (--retry-timeout) lasts; the budget is counted per outage, not per request
// (see outage.ts). Only what is safe to repeat is repeated:
// - a 429 was not processed, so any verb may go again;
// - a connection that could not be opened carried nothing, so any verb may go
//   again too;
// - other transient failures (5xx, a connection cut or silent after the
//   request was written) are retried only for verbs whose repetition cannot do
//   twice what was asked once (GET, PUT guarded by resourceVersion,
//   server-side apply PATCH, DELETE). A POST never is: it may have happened.

import { TYPED_OBJECT_FAILURE } from './errors.js';

/** How long to wait between attempts: doubling from baseMs up to maxMs, jittered. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** Longest Retry-After honoured; a server asking for more gets this. */
  maxRetryAfterMs: number;
}

export interface RetryPolicy extends Backoff {
  /**
   * How long requests keep being retried while the server stays unreachable
   * or failing, from its first failure until an answer ends the outage (ms).
   * 0: no retries.
   */
  budgetMs: number;
}

/** --retry-timeout: a control plane restart takes seconds, a managed cluster's upgrade up to a minute. */
export const DEFAULT_RETRY_TIMEOUT_MS = 60_000;

export const DEFAULT_RETRY: RetryPolicy = { budgetMs: DEFAULT_RETRY_TIMEOUT_MS, baseMs: 200, maxMs: 5_000, maxRetryAfterMs: 30_000 };

const TRANSIENT = new Set([500, 502, 503, 504]);

/** Whether an answer says the server is failing (overloaded, restarting) rather than anything about the request. */
export function failingAnswer(status: number, message?: string): boolean {
  if (status === 429) return true;
  // Server-side apply could not type the object (a string where a number belongs): the same request gets the same answer.
  if (status === 500 && message !== undefined && TYPED_OBJECT_FAILURE.test(message)) return false;
  return TRANSIENT.has(status);
}

/** Whether a request answered with this status (and Status message) may be sent again. */
export function retriable(method: string, status: number, message?: string): boolean {
  return failingAnswer(status, message) && (status === 429 || method !== 'POST');
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
export function backoffMs(policy: Backoff, attempt: number, retryAfter: string | undefined, random = Math.random): number {
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

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection broken',
  ETIMEDOUT: 'no answer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'name lookup failed',
};

/** A connection error's code in words, for messages: `connection refused`. */
export function causeOf(code: string | undefined): string {
  return (code && CAUSES[code]) ?? code ?? 'no answer';
}

/** A duration for messages: `400ms`, `3s`, `2.5s`, `54s`. */
export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms >= 10_000 || ms % 1_000 === 0) return `${Math.round(ms / 1_000)}s`;
  return `${(ms / 1_000).toFixed(1)}s`;
}
