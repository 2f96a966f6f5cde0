// The sandbox's HTTP(S) front: middleware chain, authentication (client
// certificate or bearer token), and dispatch to discovery, OpenAPI and the
// resource handlers. Listens on 127.0.0.1 only.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { ADMIN_GRANT, authorize, type Authenticator, type Grant } from './auth.js';
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
  versionInfo,
} from './discovery.js';
import { asApiError, unauthorized } from './errors.js';
import { chooseRepresentation, parseAccept, sendJson, sendNotFoundPath, sendStatus } from './http/negotiate.js';
import { handleResource, type TableRenderer } from './http/resources.js';
import { WatchHub } from './http/watch.js';
import { handleOpenApi, type JsonSchema } from './openapi.js';
import { parsePath, verbOf, type DiscoveryRequest } from './router.js';
import type { MemoryStore } from './store.js';
import { toTable } from './tables.js';
import type { TlsMaterial } from './tls.js';
import type { ApiServerHandle, Middleware } from './workloads/index.js';

export interface ApiServerOptions {
  /** Serve HTTPS with this certificate (and its CA in the kubeconfig). */
  tls?: TlsMaterial;
  /**
   * Require a verified client certificate or `Authorization: Bearer <token>`
   * on everything but health and version, and let each caller do what its
   * grant allows.
   */
  auth?: Authenticator;
  /**
   * Ask TLS clients for a certificate and verify it against this CA (PEM), as
   * kube-apiserver's --client-ca-file. A client without one, or with one that
   * does not verify, may still present a token.
   */
  clientCaPem?: string;
  /** Renders `as=Table` responses (default: the kubectl-compatible printers). */
  tables?: TableRenderer;
  /** How often watches that allow bookmarks get one (default 60 s, as a real server). */
  bookmarkIntervalMs?: number;
}

const OPEN_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export class ApiServer implements ApiServerHandle {
  private readonly middlewares: Middleware[] = [];
  private readonly watches: WatchHub;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(
    private readonly store: MemoryStore,
    private readonly opts: ApiServerOptions = {},
  ) {
    this.watches = new WatchHub(store);
  }

  get url(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  use(mw: Middleware): void {
    this.middlewares.push(mw);
  }

  cutWatches(): number {
    return this.watches.cutAll();
  }

  /** Starts listening; `port` 0 picks a free one. Resolves with the bound port. */
  async listen(port = 0): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server = this.opts.tls ? createHttpsServer(this.tlsOptions(this.opts.tls), handler) : createHttpServer(handler);
    server.keepAliveTimeout = 30_000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  private tlsOptions(tls: TlsMaterial): ServerOptions {
    const serving = { cert: tls.certPem, key: tls.keyPem };
    if (!this.opts.clientCaPem) return serving;
    // Verification failures must not end the handshake: the request then goes on without an identity from TLS.
    return { ...serving, ca: this.opts.clientCaPem, requestCert: true, rejectUnauthorized: false };
  }

  /** Stops listening and drops every connection, watches included. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.watches.cutAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return sendNotFoundPath(res);
    }
    try {
      // Authentication comes first, as on a real server: the service proxy,
      // Pod logs and the admin endpoint answer only callers it identified.
      const grant = this.authenticate(req, url);
      for (const mw of this.middlewares) if (await mw(req, res, url)) return;
      await this.route(req, res, url, grant);
    } catch (err) {
      sendStatus(res, asApiError(err).status);
    }
  }

  /** Who is calling; throws 401 when credentials are required and none identify the caller. */
  private authenticate(req: IncomingMessage, url: URL): Grant {
    const auth = this.opts.auth;
    if (!auth || OPEN_PATHS.has(url.pathname)) return ADMIN_GRANT;
    const grant = auth.authenticate(req);
    if (!grant) throw unauthorized();
    return grant;
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, grant: Grant): Promise<void> {
    const path = url.pathname;
    if (path === '/version' || path === '/version/') return sendJson(res, 200, versionInfo());
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (path.startsWith('/openapi/')) {
      const r = handleOpenApi(url, this.store.registry.discoverable(), {
        schemaOf: (t) => this.store.registry.customSchema(t) as JsonSchema | undefined,
      });
      if (!r) return sendNotFoundPath(res);
      res.writeHead(r.status, { 'Content-Type': r.contentType, 'Content-Length': Buffer.byteLength(r.body) });
      res.end(r.body);
      return;
    }
    const parsed = parsePath(path);
    if (parsed.type === 'discovery') return this.discovery(req, res, parsed);
    if (parsed.type === 'other') return sendNotFoundPath(res);
    const verb = verbOf(req.method ?? 'GET', parsed, url.searchParams);
    if (!verb) {
      res.writeHead(405, { 'Content-Type': 'text/plain' });
      res.end('method not allowed');
      return;
    }
    const denied = authorize(grant, {
      verb,
      group: parsed.group,
      resource: parsed.plural,
      ...(parsed.subresource !== undefined ? { subresource: parsed.subresource } : {}),
      ...(parsed.namespace !== undefined ? { namespace: parsed.namespace } : {}),
      ...(parsed.name !== undefined ? { name: parsed.name } : {}),
    });
    if (denied) throw denied;
    await handleResource(
      { store: this.store, watches: this.watches, tables: this.opts.tables ?? toTable, bookmarkIntervalMs: this.opts.bookmarkIntervalMs ?? 60_000, grant },
      req,
      res,
      parsed,
      verb,
      url.searchParams,
    );
  }

  private discovery(req: IncomingMessage, res: ServerResponse, d: DiscoveryRequest): void {
    const resources = this.store.registry.discoverable();
    if (d.version === undefined && (d.legacy || d.group === undefined)) {
      // /api or /apis: aggregated discovery when asked for, else the legacy documents.
      if (chooseRepresentation(parseAccept(req.headers.accept), ['discovery-v2']) === 'discovery-v2') {
        return sendJson(res, 200, aggregatedDiscovery(resources, d.legacy), AGGREGATED_DISCOVERY_CONTENT_TYPE);
      }
      return sendJson(res, 200, d.legacy ? apiVersions(`127.0.0.1:${this.port}`) : apiGroupList(resources));
    }
    const doc = d.version === undefined ? apiGroupDoc(resources, d.group!) : apiResourceList(resources, d.group ?? '', d.version, (r) => this.store.registry.storageVersion(r));
    if (!doc) return sendNotFoundPath(res);
    sendJson(res, 200, doc);
  }
}
