// Fault injection: make chosen API requests fail with the Status a real
// server would send, or answer late, or cut every watch, so clients can be
// tested against the failures clusters really have.
//
// A rule selects requests by `path` (a RegExp, or a string that must occur in
// the URL path) and optionally `verb`: an HTTP method (`GET`, `PATCH`) or a
// Kubernetes verb (`get`, `list`, `watch`, `create`, `update`, `patch`,
// `delete`, `deletecollection`). `count` is how many matching requests it
// affects (default 1 for failures, every one for delays).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { conflict, internalError, OPTIMISTIC_LOCK_MESSAGE } from '../errors.js';
import { sendJson } from '../http/negotiate.js';
import { parsePath, verbOf } from '../router.js';
import type { ApiServerHandle, Middleware } from './index.js';

export interface RequestMatch {
  path: RegExp | string;
  verb?: string;
}

export interface FailRule extends RequestMatch {
  /** 409, 429, 500 and 503 have their real bodies; any other code gets a generic Status. */
  status: number;
  count?: number;
  /** For 429 (and 503): the Retry-After header and details.retryAfterSeconds (default 1). */
  retryAfterSeconds?: number;
}

export interface DelayRule extends RequestMatch {
  ms: number;
  count?: number;
}

interface Armed<R> {
  rule: R;
  left: number;
}

/** Paths the fault rules never touch, so a test can always undo what it set up. */
export const ADMIN_PREFIX = '/sandbox/admin/';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function statusBody(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function matches(m: RequestMatch, req: IncomingMessage, url: URL): boolean {
  const path = url.pathname;
  if (typeof m.path === 'string' ? !path.includes(m.path) : !m.path.test(path)) return false;
  if (!m.verb) return true;
  const method = req.method ?? 'GET';
  if (m.verb === m.verb.toUpperCase()) return method === m.verb;
  const parsed = parsePath(path);
  return parsed.type === 'resource' && verbOf(method, parsed, url.searchParams) === m.verb;
}

export class Faults {
  private failures: Armed<FailRule>[] = [];
  private delays: Armed<DelayRule>[] = [];

  constructor(private readonly server: ApiServerHandle) {}

  failNext(rule: FailRule): void {
    this.failures.push({ rule, left: rule.count ?? 1 });
  }

  delay(rule: DelayRule): void {
    this.delays.push({ rule, left: rule.count ?? Infinity });
  }

  /** Ends every open watch now; clients see their streams close and must re-watch. */
  cutWatches(): number {
    return this.server.cutWatches();
  }

  clear(): void {
    this.failures = [];
    this.delays = [];
  }

  /** Rules still armed, for the admin endpoint. */
  describe(): { failures: { path: string; verb?: string; status: number; left: number }[]; delays: { path: string; verb?: string; ms: number; left: number | null }[] } {
    return {
      failures: this.failures.map(({ rule, left }) => ({ path: String(rule.path), ...(rule.verb ? { verb: rule.verb } : {}), status: rule.status, left })),
      delays: this.delays.map(({ rule, left }) => ({ path: String(rule.path), ...(rule.verb ? { verb: rule.verb } : {}), ms: rule.ms, left: Number.isFinite(left) ? left : null })),
    };
  }

  readonly middleware: Middleware = async (req, res, url) => {
    if (url.pathname.startsWith(ADMIN_PREFIX)) return false;
    const delay = this.take(this.delays, req, url);
    if (delay) await sleep(delay.ms);
    const failure = this.take(this.failures, req, url);
    if (!failure) return false;
    this.send(res, failure, url);
    return true;
  };

  private take<R extends RequestMatch>(list: Armed<R>[], req: IncomingMessage, url: URL): R | undefined {
    const i = list.findIndex((a) => matches(a.rule, req, url));
    if (i < 0) return undefined;
    const armed = list[i]!;
    if (--armed.left <= 0) list.splice(i, 1);
    return armed.rule;
  }

  private send(res: ServerResponse, rule: FailRule, url: URL): void {
    const code = rule.status;
    const retryAfter = rule.retryAfterSeconds ?? 1;
    switch (code) {
      case 500:
        return sendJson(res, 500, internalError(new Error('injected fault')).status);
      case 503:
        res.setHeader('Retry-After', String(retryAfter));
        return sendJson(res, 503, statusBody(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', { retryAfterSeconds: retryAfter }));
      case 429:
        res.setHeader('Retry-After', String(retryAfter));
        return sendJson(res, 429, statusBody(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: retryAfter }));
      case 409: {
        const parsed = parsePath(url.pathname);
        const target = parsed.type === 'resource' ? parsed : { group: '', plural: 'objects', name: '' };
        return sendJson(res, 409, conflict(target, target.name ?? '', OPTIMISTIC_LOCK_MESSAGE).status);
      }
      default: {
        const reason = REASONS[code] ?? 'InternalError';
        return sendJson(res, code, statusBody(code, reason, `injected fault: ${reason}`));
      }
    }
  }
}
