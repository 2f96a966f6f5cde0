// Content negotiation and body handling. The sandbox speaks JSON (and reads
// YAML); clients that list protobuf first but accept JSON (client-go's
// `application/vnd.kubernetes.protobuf, */*`) get JSON, and the `as=` media
// type parameters select Table, PartialObjectMetadata and aggregated discovery.
import type { IncomingMessage, ServerResponse } from 'node:http';
import yaml from 'js-yaml';
import { ApiError, badRequest, notAcceptable, unsupportedMediaType, type Status } from '../errors.js';
import { decodeProtobuf } from './protobuf.js';

export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const i = kv.indexOf('=');
      if (i > 0) p[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
    }
    return { type: type.toLowerCase(), params: p };
  });
}

const jsonLike = (m: MediaRange) => m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';

/** What representation of an object the client asked for, first acceptable wins. */
export type Representation = 'object' | 'table' | 'partial-metadata' | 'discovery-v2';

export function chooseRepresentation(accept: MediaRange[], allowed: Representation[]): Representation {
  for (const m of accept) {
    if (!jsonLike(m)) continue;
    const as = m.params.as;
    if (!as) return 'object';
    if (as === 'Table' && m.params.g === 'meta.k8s.io' && allowed.includes('table')) return 'table';
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && m.params.g === 'meta.k8s.io' && allowed.includes('partial-metadata')) {
      return 'partial-metadata';
    }
    if (as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io' && m.params.v === 'v2' && allowed.includes('discovery-v2')) {
      return 'discovery-v2';
    }
  }
  if (accept.some((m) => m.type === 'application/vnd.kubernetes.protobuf' || m.type === 'application/yaml')) {
    // Only JSON is spoken; a client that insisted on something else is told so.
    if (!accept.some(jsonLike)) throw notAcceptable(accept.map((m) => m.type).join(', '));
  }
  return 'object';
}

const MAX_BODY = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decodes a JSON, YAML or (built-in kinds only) protobuf body. */
export function decodeBody(body: Buffer | string, contentType: string): unknown {
  if (contentType === 'application/vnd.kubernetes.protobuf') return decodeProtobuf(Buffer.from(body));
  if (contentType === 'application/cbor') throw unsupportedMediaType(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
  const text = body.toString();
  if (!text.trim()) throw badRequest('the body of the request was empty');
  const isYaml = contentType.includes('yaml');
  try {
    return isYaml ? yaml.load(text) : JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw badRequest(isYaml ? `error converting YAML to JSON: ${why}` : `couldn't get version/kind; json parse error: ${why}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: Status): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status.code, status);
}

/** Status a real server answers for a path it does not serve. */
export function sendNotFoundPath(res: ServerResponse): void {
  sendJson(res, 404, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server could not find the requested resource',
    reason: 'NotFound',
    details: {},
    code: 404,
  });
}
