// The transport: JSON over HTTP/1.1 with one keep-alive connection pool per
// run. TLS material and credentials come from client-node's kubeconfig
// handling (applyToHTTPSOptions: certificates, tokens, exec plugins); requests
// go straight through node:http(s), which measured faster than the generated
// clients and than fetch for the many small requests a deploy makes.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { KubeError } from './errors.js';
import { ServerHealth } from './outage.js';
import { backoffMs, causeOf, deliveryOf, DEFAULT_RETRY, failingAnswer, formatMs, retriable, retriableConnection, type RetryPolicy } from './retry.js';

export interface Credentials {
  /** TLS options for the agent (ca, cert, key, rejectUnauthorized, servername). */
  tls: https.AgentOptions;
  /** Headers to send with every request (Authorization, Impersonate-User). */
  headers: Record<string, string>;
}

export interface TransportOptions {
  server: string;
  /** Fetches fresh credentials; called once at start and again after a 401. */
  credentials: () => Promise<Credentials>;
  /** Called once per request, when -v is on. */
  log?: (line: string) => void;
  /** Called at most every few seconds while the server stays unreachable or failing, whatever -v says. */
  notify?: (line: string) => void;
  maxSockets?: number;
  retry?: RetryPolicy;
  /** How long a request may go without a byte from the server before its connection counts as dead (ms). */
  idleTimeoutMs?: number;
}

export interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** The Accept header; JSON when absent. */
  accept?: string;
  signal?: AbortSignal;
  /** `Kind/namespace/name`, carried into errors. */
  subject?: string;
}

const USER_AGENT = 'gdeploy';

/**
 * The API server ends every request but a watch within a minute (its
 * --request-timeout), so longer silence means a connection that died without
 * a word, as across a server restart behind a load balancer.
 */
const DEFAULT_IDLE_TIMEOUT_MS = 70_000;

/** The code of a request failed without being sent, while the server is known to be unreachable. */
const NOT_TRIED = 'ENOTTRIED';

const MAYBE_ACTED = 'an attempt may have reached the server before its connection broke';

/** A request that got no HTTP answer: the connection could not be opened, was cut, or went silent. */
class ConnectionFailure extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Where one request stands in its retries. */
interface Tries {
  /** Attempts sent so far. */
  attempt: number;
  /** When it first failed (ms since the epoch). */
  firstFailure?: number;
  /** Whether an attempt broke after writing the request: its effect is then unknown. */
  maybeActed: boolean;
  /** It is the one request checking whether an unreachable server is back. */
  probe: boolean;
  /** The last connection failure, for the error when the caller's time runs out first. */
  lastFailure?: ConnectionFailure;
}

/** Why a failed request is not sent again; `outlasted` when the retry budget ran out. */
interface GiveUp {
  note?: string;
  outlasted: boolean;
}

export class Transport {
  readonly server: URL;
  private readonly secure: boolean;
  private creds: Credentials | undefined;
  private agent: http.Agent | undefined;
  private readonly policy: RetryPolicy;
  /** The outage clock and the probe, shared by every request to this server (outage.ts). */
  private readonly health: ServerHealth;

  constructor(private readonly opts: TransportOptions) {
    this.server = new URL(opts.server);
    this.secure = this.server.protocol === 'https:';
    this.policy = opts.retry ?? DEFAULT_RETRY;
    this.health = new ServerHealth({ server: this.server.origin, budgetMs: this.policy.budgetMs, notify: opts.notify });
  }

  /** A JSON request; the parsed body of a 2xx answer, else a KubeError. */
  async json<T>(req: Request): Promise<T> {
    const tries: Tries = { attempt: 0, maybeActed: false, probe: false };
    let refreshed = false;
    try {
      for (;;) {
        await this.admit(req, tries);
        tries.attempt++;
        let res: Awaited<ReturnType<Transport['send']>>;
        try {
          res = await this.send(req, tries.probe ? this.health.probeIdleMs(this.idleMs) : this.idleMs);
        } catch (err) {
          if (req.signal?.aborted || !(err instanceof ConnectionFailure)) throw err;
          tries.lastFailure = err;
          tries.maybeActed ||= deliveryOf(err.code) === 'maybe sent' && req.method !== 'GET';
          // A certificate or protocol error is no outage: repeating it only delays the message.
          if (deliveryOf(err.code) === 'permanent') throw this.gaveUp(req, err, tries, { outlasted: false });
          const stop = await this.retryOrNot(req, tries, { unreachable: true, cause: causeOf(err.code), code: err.code ?? 'failed' }, retriableConnection(req.method, err.code));
          if (stop) throw this.gaveUp(req, err, tries, stop);
          continue;
        }
        const body = parseBody(res.text, res.contentType);
        const message = statusMessage(body);
        const failing = failingAnswer(res.status, message);
        if (!failing) this.answered(tries);
        if (res.status === 401 && !refreshed) {
          // Tokens from exec plugins expire; fetch new ones once before giving up.
          refreshed = true;
          await this.refresh();
          tries.attempt--;
          continue;
        }
        if (res.status >= 200 && res.status < 300) return body as T;
        const stop = failing
          ? await this.retryOrNot(req, tries, { unreachable: false, cause: statusCause(res.status), code: String(res.status) }, retriable(req.method, res.status, message), res.retryAfter)
          : { outlasted: false };
        if (!stop) continue;
        const err = KubeError.fromStatus(res.status, body, { method: req.method, url: res.url, subject: req.subject });
        const notes: string[] = [];
        if (stop.note) notes.push(stop.note);
        // A 409 or 404 may answer our own earlier attempt, which went through before its connection broke.
        if (tries.maybeActed) notes.push(MAYBE_ACTED);
        if (notes.length > 0) err.message = `${err.message} (${notes.join('; ')})`;
        err.outlasted = stop.outlasted;
        throw err;
      }
    } catch (err) {
      throw this.outOfTime(req, tries, err);
    } finally {
      if (tries.probe) this.health.releaseProbe();
    }
  }

  /**
   * A streaming GET (watch): calls onLine for each line of the body until the
   * server ends it (resolves) or the signal fires (resolves). Opening it is
   * retried as any GET is, within the same budget; a stream that breaks once
   * open just ends (the caller watches again from where it was).
   */
  async stream(req: Request, onLine: (line: string) => void): Promise<void> {
    const tries: Tries = { attempt: 0, maybeActed: false, probe: false };
    try {
      for (;;) {
        await this.admit(req, tries);
        tries.attempt++;
        try {
          const idleMs = tries.probe ? this.health.probeIdleMs(this.idleMs) : this.idleMs;
          return await this.openStream(req, idleMs, onLine, (status) => {
            // Refused watches are the caller's to back off from; only an answer that is not a failure ends an outage.
            if (!failingAnswer(status)) this.answered(tries);
            else if (tries.probe) this.release(tries);
          });
        } catch (err) {
          if (req.signal?.aborted) return;
          if (!(err instanceof ConnectionFailure)) throw err;
          tries.lastFailure = err;
          if (deliveryOf(err.code) === 'permanent') throw this.gaveUp(req, err, tries, { outlasted: false });
          const stop = await this.retryOrNot(req, tries, { unreachable: true, cause: causeOf(err.code), code: err.code ?? 'failed' }, true);
          if (stop) throw this.gaveUp(req, err, tries, stop);
        }
      }
    } catch (err) {
      if (req.signal?.aborted) return;
      throw err;
    } finally {
      if (tries.probe) this.health.releaseProbe();
    }
  }

  close(): void {
    this.agent?.destroy();
  }

  private get idleMs(): number {
    return this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  /** Waits for this request's turn while the server is unreachable; throws when the budget is spent and another request is checking. */
  private async admit(req: Request, tries: Tries): Promise<void> {
    // The probe keeps its turn through its backoff.
    if (tries.probe) return;
    const admission = await this.health.admit(req.signal);
    if (admission === 'spent') {
      const budget = this.health.budgetMs;
      throw this.gaveUp(req, new ConnectionFailure(NOT_TRIED, `cannot reach the Kubernetes API server at ${this.server.origin}`), tries, {
        note: `not tried: earlier requests found the server unreachable for longer than --retry-timeout (${formatMs(budget)})`,
        outlasted: true,
      });
    }
    tries.probe = admission === 'probe';
  }

  /** An answer: any outage is over, and this request no longer holds the probe. */
  private answered(tries: Tries): void {
    if (tries.probe) this.release(tries);
    this.health.answered();
  }

  private release(tries: Tries): void {
    tries.probe = false;
    this.health.releaseProbe();
  }

  /**
   * After a failed attempt: counts it against the outage's budget, then
   * either waits (backoff, or for the request checking on an unreachable
   * server) and returns undefined to send it again, or says why it is not.
   */
  private async retryOrNot(
    req: Request,
    tries: Tries,
    failure: { unreachable: boolean; cause: string; code: string },
    allowed: boolean,
    retryAfter?: string,
  ): Promise<GiveUp | undefined> {
    const now = Date.now();
    tries.firstFailure ??= now;
    const verdict = this.health.failed(failure, tries.firstFailure);
    // A failing answer comes from a server that can be reached: the others need not wait for this one.
    if (!failure.unreachable && tries.probe) this.release(tries);
    if (!allowed) return { outlasted: false };
    const budget = this.health.budgetMs;
    const what = `${req.method} ${this.url(req).href} ${failure.code}`;
    const giveUp = (note: string): GiveUp => ({ note, outlasted: true });
    if (budget === 0) return giveUp('not retried: --retry-timeout is 0');
    if (tries.attempt === 1 && (verdict.spentBefore || now >= verdict.deadline)) return giveUp('not retried: earlier requests already spent their retries on this server');
    if (verdict.spentBefore || now >= verdict.deadline) {
      return giveUp(`gave up after ${tries.attempt} attempts in ${formatMs(now - tries.firstFailure)}: --retry-timeout is ${formatMs(budget)}`);
    }
    const left = verdict.deadline - now;
    if (failure.unreachable && !tries.probe && !this.health.takeProbe()) {
      this.opts.log?.(`${what}: waiting while another request checks whether the server is back (up to ${formatMs(left)} more)`);
      return undefined;
    }
    if (failure.unreachable) tries.probe = true;
    const wait = Math.min(backoffMs(this.policy, tries.attempt, retryAfter), left);
    this.opts.log?.(`${what}: retrying in ${formatMs(wait)} (attempt ${tries.attempt + 1}, up to ${formatMs(left)} more)`);
    await this.health.backoff(wait, req.signal);
    return undefined;
  }

  /**
   * The caller's own deadline (a signal from AbortSignal.timeout) ended a
   * request that was retrying: the connection failure says more than "timed out".
   */
  private outOfTime(req: Request, tries: Tries, err: unknown): unknown {
    const reason: unknown = req.signal?.reason;
    if (!req.signal?.aborted || !tries.lastFailure || !(reason instanceof Error) || reason.name !== 'TimeoutError') return err;
    const elapsed = tries.firstFailure === undefined ? '' : ` in ${formatMs(Date.now() - tries.firstFailure)}`;
    return this.gaveUp(req, tries.lastFailure, tries, { note: `gave up after ${tries.attempt} attempts${elapsed}: the command's time for it ran out`, outlasted: false });
  }

  /** The error for a request that got no answer, saying why it was not (or no longer) retried. */
  private gaveUp(req: Request, failure: ConnectionFailure, tries: Tries, stop: GiveUp): KubeError {
    const why: string[] = [];
    if (stop.note) {
      why.push(stop.note);
      // Not tried now, or tried again in vain; an earlier attempt of this same request may still have been carried out.
      if (tries.maybeActed) why.push(MAYBE_ACTED);
    } else if (tries.maybeActed) {
      // A POST may have created its object before the connection broke; sending it again could create a second one.
      why.push('not retried: the server may have acted on it');
    }
    this.opts.log?.(`${req.method} ${this.url(req).href} ${failure.code ?? 'failed'}: ${why.length > 0 ? why.join('; ') : 'not retried'}`);
    return new KubeError({
      code: 0,
      reason: 'ServiceUnavailable',
      message: why.length > 0 ? `${failure.message} (${why.join('; ')})` : failure.message,
      subject: req.subject,
      method: req.method,
      url: this.url(req).href,
      outlasted: stop.outlasted,
    });
  }

  /**
   * One watch request: resolves when the stream ends; rejects with a
   * ConnectionFailure when it could not be opened, or no answer came within
   * idleMs. Once it is open, silence is the caller's to judge.
   */
  private async openStream(req: Request, idleMs: number, onLine: (line: string) => void, onAnswer: (status: number) => void): Promise<void> {
    const { agent, headers } = await this.ready();
    const url = this.url(req);
    const t0 = performance.now();
    return new Promise<void>((resolve, reject) => {
      if (req.signal?.aborted) return resolve();
      const r = (this.secure ? https : http).request(url, { method: 'GET', agent, headers: { ...headers, Accept: 'application/json' } });
      const onAbort = (): void => {
        r.destroy();
        resolve();
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => req.signal?.removeEventListener('abort', onAbort);
      r.on('error', (err) => {
        done();
        if (req.signal?.aborted) resolve();
        else reject(connectionFailure(err, this.server));
      });
      r.setTimeout(idleMs, () => r.destroy(Object.assign(new Error(`no answer for ${formatMs(idleMs)}`), { code: 'ETIMEDOUT' })));
      r.on('response', (res) => {
        r.setTimeout(0);
        const status = res.statusCode ?? 0;
        this.log('GET', url, status, t0, ' (watch)');
        onAnswer(status);
        if (status >= 300) {
          let text = '';
          res.setEncoding('utf8').on('data', (s: string) => (text += s));
          res.on('end', () => {
            done();
            reject(KubeError.fromStatus(status, parseBody(text, res.headers['content-type']), { method: 'GET', url: url.href }));
          });
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => {
          buf += s;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) onLine(line);
          }
        });
        res.on('end', () => {
          if (buf.trim()) onLine(buf.trim());
          done();
          resolve();
        });
        res.on('error', () => {
          done();
          resolve();
        });
      });
      r.end();
    });
  }

  private async send(req: Request, idleMs: number): Promise<{ status: number; text: string; contentType: string | undefined; url: string; retryAfter: string | undefined }> {
    const { agent, headers } = await this.ready();
    const url = this.url(req);
    const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const h: Record<string, string> = { ...headers, Accept: req.accept ?? 'application/json' };
    if (payload !== undefined) {
      h['Content-Type'] = req.contentType ?? 'application/json';
      h['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => reject(req.signal?.aborted ? req.signal.reason ?? err : connectionFailure(err, this.server));
      const r = (this.secure ? https : http).request(url, { method: req.method, agent, headers: h, signal: req.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          this.log(req.method, url, status, t0);
          const retryAfter = res.headers['retry-after'];
          resolve({ status, text: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'], url: url.href, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter });
        });
        res.on('error', fail);
      });
      r.on('error', fail);
      r.setTimeout(idleMs, () => r.destroy(Object.assign(new Error(`no answer for ${formatMs(idleMs)}`), { code: 'ETIMEDOUT' })));
      r.end(payload);
    });
  }

  private url(req: Request): URL {
    const url = new URL(this.server.href.replace(/\/$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    return url;
  }

  private async ready(): Promise<{ agent: http.Agent; headers: Record<string, string> }> {
    if (!this.creds || !this.agent) await this.refresh();
    return { agent: this.agent!, headers: this.creds!.headers };
  }

  private async refresh(): Promise<void> {
    this.creds = await this.opts.credentials();
    this.agent?.destroy();
    const pool = { keepAlive: true, maxSockets: this.opts.maxSockets ?? 32 };
    this.agent = this.secure ? new https.Agent({ ...this.creds.tls, ...pool }) : new http.Agent(pool);
    this.creds.headers['User-Agent'] ??= USER_AGENT;
  }

  private log(method: string, url: URL, status: number, t0: number, note = ''): void {
    // Only method, URL and status: headers (credentials) are never logged.
    this.opts.log?.(`${method} ${url.href} ${status} in ${Math.round(performance.now() - t0)} ms${note}`);
  }
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (contentType?.includes('json') || /^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function connectionFailure(err: Error & { code?: string }, server: URL): ConnectionFailure {
  const what = deliveryOf(err.code) === 'maybe sent' ? 'lost the connection to' : 'cannot reach';
  const detail = !err.code || err.message.includes(err.code) ? err.message : `${err.code}: ${err.message}`;
  return new ConnectionFailure(err.code, `${what} the Kubernetes API server at ${server.origin}: ${detail}`.replace(/\s+/g, ' ').trim());
}

/** A failing answer in words, for the outage notice: `503 Service Unavailable`. */
function statusCause(status: number): string {
  const text = http.STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

/** The message of a Status body, if the answer is one. */
function statusMessage(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
