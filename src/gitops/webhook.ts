// `sync --watch --listen HOST:PORT`: a push webhook makes the watch fetch at
// once instead of at its next poll. The call is only a nudge: its payload is
// never read for what to deploy, which always comes from git. Callers prove
// they know the secret of --webhook-secret-file the way each forge does, as
// Flux's notification-controller receivers check them:
//   GitHub   X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>
//   GitLab   X-Gitlab-Token: <secret>
//   generic  Authorization: Bearer <secret>
// Routes: POST /hook (202 accepted, 401 refused, 413 too large), GET /healthz.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GdeployError, errorMessage } from '../engine/errors.js';

/** A larger body is refused with 413: push payloads are far smaller. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A body this far over the limit is not read to its end: the connection is cut. */
const MAX_DISCARD_BYTES = 8 * MAX_BODY_BYTES;

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * HOST:PORT, [IPv6]:PORT, or :PORT for every interface. Port 0 picks a free
 * port. A problem naming the flag is appended to `problems` otherwise.
 */
export function parseListen(value: string, problems: string[]): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    problems.push(`invalid --listen "${value}": expected HOST:PORT, such as 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080 (port 0 picks a free one)`);
    return undefined;
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * --listen and --webhook-secret-file: where to listen and the secret, read
 * now. Problems naming the flags are appended to `problems`.
 */
export function checkHookFlags(
  flags: { watch: boolean; listen?: string; webhookSecretFile?: string },
  problems: string[],
): { listen?: ListenAddress; secret?: Buffer } {
  if (flags.listen === undefined) {
    if (flags.webhookSecretFile !== undefined) problems.push('--webhook-secret-file goes with --listen');
    return {};
  }
  if (!flags.watch) problems.push('--listen needs --watch: webhooks wake a watch');
  if (flags.webhookSecretFile === undefined) problems.push('--listen needs --webhook-secret-file FILE: webhook calls must prove they know its secret');
  const listen = parseListen(flags.listen, problems);
  const secret = flags.webhookSecretFile === undefined ? undefined : readWebhookSecret(flags.webhookSecretFile, problems);
  return { listen, secret };
}

/** The secret in `file`, without its trailing newline; a problem when the file is empty or unreadable. */
export function readWebhookSecret(file: string, problems: string[]): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(`cannot read --webhook-secret-file "${file}": ${code === 'ENOENT' ? 'no such file' : errorMessage(err)}`);
    return undefined;
  }
  const secret = text.replace(/[\r\n]+$/, '');
  if (secret === '') {
    problems.push(`--webhook-secret-file "${file}" is empty: webhooks need a secret`);
    return undefined;
  }
  return Buffer.from(secret, 'utf8');
}

/**
 * Wakes the watch loop early. Each pass asks for `next()` as it starts; a
 * nudge during the pass or the wait after it ends that wait at once.
 */
export class Wakeup {
  private controller = new AbortController();

  nudge(): void {
    this.controller.abort();
  }

  next(): AbortSignal {
    this.controller = new AbortController();
    return this.controller.signal;
  }
}

export type HookKind = 'github' | 'gitlab' | 'bearer';

/** Marks a call one replica passed on to the leader, so that it is never passed on again. */
export const FORWARDED_HEADER = 'x-gdeploy-forwarded';

/** The headers of a call one replica passes on to another: marked, and signed with the secret (never the secret itself). */
export function forwardedHeaders(body: string, secret: Buffer): Record<string, string> {
  return { 'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`, [FORWARDED_HEADER]: '1' };
}

/** How the call proved it knows the secret, or why it did not. Constant-time comparisons only. */
export function verifyHook(headers: IncomingHttpHeaders, body: Buffer, secret: Buffer): { kind: HookKind } | { refused: string } {
  const signature = header(headers, 'x-hub-signature-256');
  if (signature !== undefined) {
    const m = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
    if (!m) return { refused: 'malformed X-Hub-Signature-256' };
    const expected = createHmac('sha256', secret).update(body).digest();
    return timingSafeEqual(expected, Buffer.from(m[1]!, 'hex')) ? { kind: 'github' } : { refused: 'bad X-Hub-Signature-256' };
  }
  const token = header(headers, 'x-gitlab-token');
  if (token !== undefined) return sameSecret(token, secret) ? { kind: 'gitlab' } : { refused: 'bad X-Gitlab-Token' };
  const auth = header(headers, 'authorization');
  if (auth !== undefined) {
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (!m) return { refused: 'Authorization is not a Bearer token' };
    return sameSecret(m[1]!.trim(), secret) ? { kind: 'bearer' } : { refused: 'bad Bearer token' };
  }
  return { refused: 'no X-Hub-Signature-256, X-Gitlab-Token or Authorization header' };
}

/** Compares digests, so that neither the length nor the content of the secret leaks through timing. */
function sameSecret(given: string, secret: Buffer): boolean {
  const digest = (b: Buffer | string) => createHash('sha256').update(b).digest();
  return timingSafeEqual(digest(Buffer.from(given, 'utf8')), digest(secret));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface HookServerOptions extends ListenAddress {
  secret: Buffer;
  /**
   * A valid call arrived: fetch now. `forwarded` when another replica passed
   * it on. Returns what the answer says was done.
   */
  onNudge: (kind: HookKind, forwarded: boolean) => string;
  log: (line: string) => void;
  maxBodyBytes?: number;
}

export interface HookServer {
  /** Where to send pushes: http://HOST:PORT/hook, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function serveWebhooks(o: HookServerOptions): Promise<HookServer> {
  const max = o.maxBodyBytes ?? MAX_BODY_BYTES;
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.log(`webhook: ${errorMessage(err)}`);
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  // A client that asks before sending its body (Expect: 100-continue) learns at once that it is too large.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length']) > max) return void reply(res, 413, { error: `body larger than ${max} bytes` }, { Connection: 'close' });
    res.writeContinue();
    server.emit('request', req, res);
  });
  // A slow or stalled client cannot hold a connection for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return void reply(res, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok\n');
      return;
    }
    if (path !== '/hook') return void reply(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return void reply(res, 405, { error: 'method not allowed' }, { Allow: 'POST' });
    const body = await readBody(req, max);
    if (body === undefined) {
      // Read to its end (or cut short, far past the limit) so that the client sees the answer.
      return void reply(res, 413, { error: `body larger than ${max} bytes` }, { Connection: 'close' });
    }
    const from = req.socket.remoteAddress ?? 'unknown';
    const verdict = verifyHook(req.headers, body, o.secret);
    if ('refused' in verdict) {
      o.log(`webhook: refused a call from ${from}: ${verdict.refused}`);
      return void reply(res, 401, { error: 'unauthorized' });
    }
    const event = header(req.headers, 'x-github-event') ?? header(req.headers, 'x-gitlab-event');
    if (verdict.kind === 'github' && event === 'ping') {
      o.log(`webhook: GitHub ping from ${from}`);
      return void reply(res, 200, { status: 'ok', message: 'pong' });
    }
    // Marked by a replica that knows the secret (the call is verified): it is never passed on again.
    const forwarded = header(req.headers, FORWARDED_HEADER) !== undefined;
    const what = forwarded ? 'a call forwarded by another replica' : verdict.kind === 'bearer' ? 'a call' : `a ${verdict.kind === 'github' ? 'GitHub' : 'GitLab'} ${event ?? 'call'}`;
    const done = o.onNudge(verdict.kind, forwarded);
    o.log(`webhook: ${what} from ${from}; ${done}`);
    reply(res, 202, { status: 'accepted', message: done });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is in use' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new GdeployError(`cannot listen for webhooks on ${hostPort(o.host, o.port)}: ${why}`));
    });
    server.listen(o.port, o.host, () => resolve());
  });
  server.on('error', (err) => o.log(`webhook: ${errorMessage(err)}`));
  const bound = server.address() as AddressInfo;
  return {
    url: `http://${hostPort(o.host, bound.port)}/hook`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body, or undefined when it is larger than `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let tooLarge = Number.isFinite(declared) && declared > max;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
      else if (size > max + MAX_DISCARD_BYTES) {
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
      }
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
