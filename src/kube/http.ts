// The transport: JSON over HTTP/1.1 with one keep-alive connection pool per
// run. TLS material and credentials come from client-node's kubeconfig
// handling (applyToHTTPSOptions: certificates, tokens, exec plugins); requests
// go straight through node:http(s), which measured faster than the generated
// clients and than fetch for the many small requests a deploy makes.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { KubeError } from './errors.js';
import { backoffMs, deliveryOf, DEFAULT_RETRY, retriable, retriableConnection, sleep, type RetryPolicy } from './retry.js';

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

export class Transport {
  readonly server: URL;
  private readonly secure: boolean;
  private creds: Credentials | undefined;
  private agent: http.Agent | undefined;
  /**
   * Set when a request spent its whole retry budget failing to reach the
   * server; cleared by the next answer. While set, requests try once: the
   * budget is spent once per outage, not once per object of a large apply.
   */
  private unreachable = false;
  /**
   * While unreachable, one request at a time goes out to see whether the
   * server is back; the others fail at once instead of each waiting for its
   * own timeout against a server that went silent.
   */
  private probing = false;

  constructor(private readonly opts: TransportOptions) {
    this.server = new URL(opts.server);
    this.secure = this.server.protocol === 'https:';
  }

  /** A JSON request; the parsed body of a 2xx answer, else a KubeError. */
  async json<T>(req: Request): Promise<T> {
    const policy = this.opts.retry ?? DEFAULT_RETRY;
    let refreshed = false;
    // Whether an attempt broke after writing the request: its effect is then unknown.
    let maybeActed = false;
    for (let attempt = 1; ; attempt++) {
      let res: Awaited<ReturnType<Transport['send']>>;
      if (this.unreachable && this.probing) {
        throw this.gaveUp(req, new ConnectionFailure(NOT_TRIED, `cannot reach the Kubernetes API server at ${this.server.origin}`), attempt, policy, maybeActed);
      }
      const probe = this.unreachable;
      if (probe) this.probing = true;
      try {
        res = await this.send(req);
      } catch (err) {
        if (probe) this.probing = false;
        if (req.signal?.aborted) throw req.signal.reason ?? err;
        if (!(err instanceof ConnectionFailure)) throw err;
        maybeActed ||= deliveryOf(err.code) === 'maybe sent' && req.method !== 'GET';
        if (this.unreachable || !retriableConnection(req.method, err.code) || attempt >= policy.attempts) throw this.gaveUp(req, err, attempt, policy, maybeActed);
        this.opts.log?.(`${req.method} ${this.url(req).href} ${err.code}: retrying (attempt ${attempt + 1} of ${policy.attempts})`);
        await sleep(backoffMs(policy, attempt, undefined), req.signal);
        continue;
      }
      if (probe) this.probing = false;
      this.unreachable = false;
      if (res.status === 401 && !refreshed) {
        // Tokens from exec plugins expire; fetch new ones once before giving up.
        refreshed = true;
        await this.refresh();
        attempt--;
        continue;
      }
      const body = parseBody(res.text, res.contentType);
      if (res.status >= 200 && res.status < 300) return body as T;
      const again = retriable(req.method, res.status, statusMessage(body));
      if (again && attempt < policy.attempts) {
        this.opts.log?.(`${req.method} ${res.url} ${res.status}: retrying (attempt ${attempt + 1} of ${policy.attempts})`);
        await sleep(backoffMs(policy, attempt, res.retryAfter), req.signal);
        continue;
      }
      const err = KubeError.fromStatus(res.status, body, { method: req.method, url: res.url, subject: req.subject });
      const notes: string[] = [];
      if (again) notes.push(`gave up after ${attempt} attempts`);
      // A 409 or 404 may answer our own earlier attempt, which went through before its connection broke.
      if (maybeActed) notes.push(MAYBE_ACTED);
      if (notes.length > 0) err.message = `${err.message} (${notes.join('; ')})`;
      throw err;
    }
  }

  /**
   * A streaming GET (watch): calls onLine for each line of the body until the
   * server ends it (resolves) or the signal fires (resolves).
   */
  async stream(req: Request, onLine: (line: string) => void): Promise<void> {
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
        else reject(err);
      });
      r.on('response', (res) => {
        this.log('GET', url, res.statusCode ?? 0, t0, ' (watch)');
        if ((res.statusCode ?? 0) >= 300) {
          let text = '';
          res.setEncoding('utf8').on('data', (s: string) => (text += s));
          res.on('end', () => {
            done();
            reject(KubeError.fromStatus(res.statusCode ?? 0, parseBody(text, res.headers['content-type']), { method: 'GET', url: url.href }));
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

  close(): void {
    this.agent?.destroy();
  }

  /** The error for a request that got no answer, saying why it was not (or no longer) retried. */
  private gaveUp(req: Request, failure: ConnectionFailure, attempt: number, policy: RetryPolicy, maybeActed: boolean): KubeError {
    const why: string[] = [];
    if (failure.code === NOT_TRIED) {
      why.push('not tried: earlier requests found the server unreachable, and another is checking whether it is back');
      // Not tried now; an earlier attempt of this same request may still have been carried out.
      if (maybeActed) why.push(MAYBE_ACTED);
    } else if (!retriableConnection(req.method, failure.code)) {
      // A POST may have created its object before the connection broke; sending it again could create a second one.
      if (maybeActed) why.push('not retried: the server may have acted on it');
    } else {
      if (attempt >= policy.attempts) this.unreachable = true;
      why.push(attempt >= policy.attempts ? `gave up after ${attempt} attempts` : 'not retried: earlier requests already spent their retries on this server');
      if (maybeActed) why.push(MAYBE_ACTED);
    }
    this.opts.log?.(`${req.method} ${this.url(req).href} ${failure.code ?? 'failed'}: ${why.length > 0 ? why.join('; ') : 'not retried'}`);
    return new KubeError({
      code: 0,
      reason: 'ServiceUnavailable',
      message: why.length > 0 ? `${failure.message} (${why.join('; ')})` : failure.message,
      subject: req.subject,
      method: req.method,
      url: this.url(req).href,
    });
  }

  private async send(req: Request): Promise<{ status: number; text: string; contentType: string | undefined; url: string; retryAfter: string | undefined }> {
    const { agent, headers } = await this.ready();
    const url = this.url(req);
    const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const h: Record<string, string> = { ...headers, Accept: req.accept ?? 'application/json' };
    if (payload !== undefined) {
      h['Content-Type'] = req.contentType ?? 'application/json';
      h['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const idleMs = this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
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
      r.setTimeout(idleMs, () => r.destroy(Object.assign(new Error(`no answer for ${Math.round(idleMs / 1000)}s`), { code: 'ETIMEDOUT' })));
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

/** The message of a Status body, if the answer is one. */
function statusMessage(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
