// `/sandbox/admin/...`: the fault and image hooks over HTTP, for clients that
// run in another process (the CLI under test, `gdeploy sandbox` users).
//
//   POST /sandbox/admin/faults/fail      {"path": "/deployments", "regex"?: false, "verb"?: "patch", "status": 503, "count"?: 1, "retryAfterSeconds"?: 1}
//   POST /sandbox/admin/faults/delay     {"path": "...", "regex"?: false, "verb"?: "GET", "ms": 500, "count"?: n}
//   POST /sandbox/admin/faults/cut-watches
//   POST /sandbox/admin/faults/clear
//   GET  /sandbox/admin/faults
//   POST /sandbox/admin/images           {"missing"?: [...], "crash"?: [...], "crashAfterReady"?: [...], "neverReady"?: [...], "ok"?: [...],
//                                         "pullDelayMs"?: n, "crashAfterReadyMs"?: n}
//   POST /sandbox/admin/images/clear
//   GET  /sandbox/admin/images
//   POST /sandbox/admin/controllers/pause
//   POST /sandbox/admin/controllers/resume
//
// Every answer is JSON; mistakes get a 400 Status.
import { ApiError, badRequest } from '../errors.js';
import { readBody, sendJson } from '../http/negotiate.js';
import type { DelayRule, FailRule, Faults, RequestMatch } from './faults.js';
import { ADMIN_PREFIX } from './faults.js';
import type { Middleware } from './index.js';
import type { ImageRegistry, ImageRules } from './registry.js';

export interface AdminHooks {
  faults: Faults;
  images: ImageRegistry;
  /** Image rules changed: Pods waiting on a pull should look again. */
  imagesChanged(): void;
  pause(): void;
  resume(): void;
}

type Json = Record<string, unknown>;

function match(body: Json): RequestMatch {
  if (typeof body.path !== 'string' || body.path === '') throw badRequest('"path" is required: a string the request path contains, or a regular expression with "regex": true');
  let path: RegExp | string = body.path;
  if (body.regex === true) {
    try {
      path = new RegExp(body.path);
    } catch (err) {
      throw badRequest(`"path" is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  return { path, ...(typeof body.verb === 'string' ? { verb: body.verb } : {}) };
}

function positive(body: Json, field: string, required: boolean): number | undefined {
  const v = body[field];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw badRequest(`"${field}" must be a non-negative number`);
  return v;
}

function patterns(body: Json, field: string): string[] {
  const v = body[field];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((p) => typeof p !== 'string')) throw badRequest(`"${field}" must be a list of image patterns`);
  return v as string[];
}

export function adminEndpoint(hooks: AdminHooks): Middleware {
  return async (req, res, url) => {
    if (!url.pathname.startsWith(ADMIN_PREFIX)) return false;
    const route = `${req.method} ${url.pathname.slice(ADMIN_PREFIX.length).replace(/\/$/, '')}`;
    try {
      const text = req.method === 'POST' ? String(await readBody(req)) : '';
      const body = (text.trim() ? JSON.parse(text) : {}) as Json;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be a JSON object');
      sendJson(res, 200, handle(route, body, hooks));
    } catch (err) {
      const status = err instanceof SyntaxError ? badRequest(`invalid JSON: ${err.message}`).status : (err as { status?: { code: number } }).status;
      if (status) sendJson(res, status.code, status);
      else throw err;
    }
    return true;
  };
}

function handle(route: string, body: Json, hooks: AdminHooks): Json {
  switch (route) {
    case 'POST faults/fail': {
      const rule: FailRule = { ...match(body), status: positive(body, 'status', true)! };
      const count = positive(body, 'count', false);
      const retry = positive(body, 'retryAfterSeconds', false);
      if (count !== undefined) rule.count = count;
      if (retry !== undefined) rule.retryAfterSeconds = retry;
      hooks.faults.failNext(rule);
      return hooks.faults.describe();
    }
    case 'POST faults/delay': {
      const rule: DelayRule = { ...match(body), ms: positive(body, 'ms', true)! };
      const count = positive(body, 'count', false);
      if (count !== undefined) rule.count = count;
      hooks.faults.delay(rule);
      return hooks.faults.describe();
    }
    case 'POST faults/cut-watches':
      return { cut: hooks.faults.cutWatches() };
    case 'POST faults/clear':
      hooks.faults.clear();
      return hooks.faults.describe();
    case 'GET faults':
      return hooks.faults.describe();
    case 'POST images': {
      const rules: ImageRules = {
        missing: patterns(body, 'missing'),
        crash: patterns(body, 'crash'),
        crashAfterReady: patterns(body, 'crashAfterReady'),
        neverReady: patterns(body, 'neverReady'),
      };
      const delay = positive(body, 'pullDelayMs', false);
      if (delay !== undefined) rules.pullDelayMs = delay;
      const crashAfter = positive(body, 'crashAfterReadyMs', false);
      if (crashAfter !== undefined) rules.crashAfterReadyMs = crashAfter;
      hooks.images.load(rules);
      for (const p of patterns(body, 'ok')) hooks.images.setRule(p, 'ok');
      hooks.imagesChanged();
      return { ...hooks.images.listRules() };
    }
    case 'POST images/clear':
      hooks.images.clearRules();
      hooks.imagesChanged();
      return { ...hooks.images.listRules() };
    case 'GET images':
      return { ...hooks.images.listRules() };
    case 'POST controllers/pause':
      hooks.pause();
      return { paused: true };
    case 'POST controllers/resume':
      hooks.resume();
      return { paused: false };
    default:
      throw new ApiError(404, 'NotFound', `unknown admin request: ${route}`);
  }
}
