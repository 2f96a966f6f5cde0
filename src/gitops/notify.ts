// `sync --notify URL`: one JSON message per recorded revision (a deploy that
// succeeded, failed, was rolled back or interrupted, and a drift correction),
// POSTed to each URL. Its `text` reads as one line in a Slack-compatible
// incoming webhook; the other fields are for machines. Delivery never holds
// up or fails a deploy: messages go out in the background, in order per URL,
// each tried a few times with backoff before a warning says it was dropped.
// A one-shot sync waits a bounded time for what is still on its way.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RevisionRecord } from '../engine/history.js';
import { errorMessage } from '../engine/errors.js';
import { VERSION } from '../version.js';
import type { GitOpsEvent } from './events.js';
import type { ReleaseOutcome } from './release.js';

/** What a receiver gets, as JSON. */
export interface Notification {
  app: string;
  namespace: string;
  /** The kubeconfig context's name, else the API server's URL. */
  cluster: string;
  /** `main@sha1:<sha>`. */
  revision: string;
  sha: string;
  /** The history number of the revision. */
  number: number;
  /** As in history: `sync` (a commit deployed) or `drift` (changes made by hand put back). */
  action: string;
  /** succeeded, failed, rolled back or interrupted. */
  result: string;
  reason?: string;
  /** For a drift correction: what was put back, one line per object. */
  drift?: string[];
  time: string;
  /** One short line for people (Slack's `text`). */
  text: string;
}

/** Whose release a message is about. */
export interface NotifyContext {
  app: string;
  namespace: string;
  /** The kubeconfig context's name, else the API server's URL. */
  cluster: string;
}

export interface NotifyOptions {
  urls: string[];
  warn: (line: string) => void;
  /** Tries per message and URL. */
  tries?: number;
  /** The wait before the second try; doubled for each further one. */
  firstDelayMs?: number;
  /** How long one try may take. */
  timeoutMs?: number;
}

export interface Notifier {
  /** An event of the app `ctx` names: a recorded revision is sent. */
  on(ev: GitOpsEvent, ctx: NotifyContext): void;
  /** Waits for messages still on their way, `maxMs` at most; those left are dropped with a warning. */
  flush(maxMs: number): Promise<void>;
}

/** How long a one-shot sync waits for its messages before it exits. */
export const FLUSH_MS = 5_000;

/** Checks --notify values: absolute http(s) URLs. The URL itself is not repeated (it may hold a token). */
export function checkNotifyUrls(urls: string[], problems: string[]): void {
  urls.forEach((value, i) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      problems.push(`invalid --notify #${i + 1}: expected an http:// or https:// URL`);
    }
  });
}

/** The URL with no user, password, path or query: any of them may be the receiver's secret (Slack's is in the path). */
export function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    return `${u.protocol}//${u.host}${u.pathname !== '/' || u.search !== '' ? '/…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

export function notification(o: ReleaseOutcome, record: RevisionRecord, ctx: NotifyContext): Notification {
  const revision = record.revision ?? o.target.revision;
  const short = revision.replace(/(sha1:[0-9a-f]{12})[0-9a-f]+$/, '$1');
  const reason = o.reason ? `: ${oneLine(o.reason, 300)}` : '';
  let text: string;
  if (record.action === 'drift') {
    const what = record.drift ?? [];
    const first = what[0] ? `: ${oneLine(what[0], 200)}${what.length > 1 ? ` and ${what.length - 1} more` : ''}` : '';
    text = `${ctx.app}: drift corrected at ${short} (${record.result})${first}`;
  } else if (record.result === 'succeeded') {
    text = `${ctx.app}: deployed ${short} (succeeded)`;
  } else {
    text = `${ctx.app}: deploy of ${short} ${record.result}${reason}`;
  }
  const msg: Notification = {
    app: ctx.app,
    namespace: ctx.namespace,
    cluster: ctx.cluster,
    revision,
    sha: record.sha ?? o.target.sha,
    number: record.number,
    action: record.action,
    result: record.result,
    time: record.time,
    text,
  };
  if (o.reason) msg.reason = o.reason;
  if (record.drift) msg.drift = record.drift;
  return msg;
}

export function notifier(o: NotifyOptions): Notifier {
  const tries = o.tries ?? 3;
  const firstDelayMs = o.firstDelayMs ?? 500;
  const timeoutMs = o.timeoutMs ?? 5_000;
  // One chain per URL keeps its messages in order; `pending` is what flush waits for.
  const chains = o.urls.map(() => Promise.resolve());
  const pending = new Set<Promise<void>>();

  const send = (index: number, body: string): void => {
    const url = o.urls[index]!;
    const name = `--notify #${index + 1} (${redactUrl(url)})`;
    const p = chains[index]!.then(async () => {
      let why = '';
      for (let attempt = 1; attempt <= tries; attempt++) {
        const r = await postJSON(url, body, timeoutMs);
        if (r.ok) return;
        why = r.why;
        if (!r.retry) break;
        if (attempt < tries) await sleep(firstDelayMs * 2 ** (attempt - 1), undefined, { ref: false });
      }
      o.warn(`notification to ${name} not delivered: ${why}`);
    });
    chains[index] = p;
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  return {
    on(ev, ctx) {
      if (ev.type !== 'released' || ev.record === undefined) return;
      const body = JSON.stringify(notification(ev.outcome, ev.record, ctx));
      for (let i = 0; i < o.urls.length; i++) send(i, body);
    },
    async flush(maxMs) {
      if (pending.size === 0) return;
      const timer = new AbortController();
      const done = Promise.allSettled([...pending]).then(() => true);
      const settled = await Promise.race([done, sleep(maxMs, false, { signal: timer.signal }).catch(() => false)]);
      timer.abort();
      if (!settled && pending.size > 0) o.warn(`${pending.size} notification(s) still on their way after ${maxMs / 1000}s; not waiting for them`);
    },
  };
}

export type PostResult = { ok: true } | { ok: false; retry: boolean; why: string };

/**
 * One POST of a JSON body, on a connection of its own that does not keep the
 * process alive: a one-shot sync exits once flush() stops waiting.
 */
export function postJSON(url: string, body: string, timeoutMs: number, extraHeaders: Record<string, string> = {}): Promise<PostResult> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      u,
      {
        method: 'POST',
        agent: false,
        timeout: timeoutMs,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'User-Agent': `gdeploy/${VERSION}`, ...extraHeaders },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ ok: true });
        // Asked again later, or the receiver's trouble: worth another try; any other answer will not change.
        else resolve({ ok: false, retry: status >= 500 || status === 429 || status === 408, why: `HTTP ${status}` });
      },
    );
    req.on('socket', (s) => s.unref());
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
    // The error's own words may hold the URL: say only what kind of failure it was.
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, retry: true, why: err.code ?? errorMessage(err).replace(/\S+:\/\/\S+/g, '(URL)') }));
    req.end(body);
  });
}

/** The first line of `s`, cut to `max` characters. */
function oneLine(s: string, max: number): string {
  const line = s.split('\n')[0]!;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
