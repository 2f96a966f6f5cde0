// Protobuf request bodies. kubectl's typed clients (`kubectl create
// namespace|deployment|configmap|secret|service ...`, `kubectl create token`)
// send built-in kinds as `application/vnd.kubernetes.protobuf`: the `k8s\0`
// magic, then a runtime.Unknown envelope whose raw bytes are the object. This
// decodes them to the JSON form the rest of the server works with, using the
// field numbers of the generated.proto messages (proto-schema.ts). Go's
// encoding/json rules decide the shape: a non-pointer scalar's zero value is
// left out (omitempty), a pointer's is kept, non-pointer structs are always there.
import { badRequest, unsupportedMediaType } from '../errors.js';
import type { KubeObject } from '../types.js';
import { PROTO_MESSAGES } from './proto-schema.js';

/** [json name, kind, flags, message type]; see proto-schema.ts for the codes. */
export type ProtoField = [string, string, number] | [string, string, number, string];
export type ProtoMessages = Record<string, Record<string, ProtoField>>;

const REPEATED = 1;
const NOT_POINTER = 2;
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Entry {
  field: number;
  wire: number;
  /** varint value, or the bytes of a length-delimited / fixed field */
  int?: bigint;
  bytes?: Buffer;
}

function entries(buf: Buffer): Entry[] {
  const out: Entry[] = [];
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw badRequest('protobuf: truncated varint');
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    switch (wire) {
      case 0:
        out.push({ field, wire, int: varint() });
        break;
      case 1:
        out.push({ field, wire, bytes: buf.subarray(i, i + 8) });
        i += 8;
        break;
      case 2: {
        const len = Number(varint());
        out.push({ field, wire, bytes: buf.subarray(i, i + len) });
        i += len;
        break;
      }
      case 5:
        out.push({ field, wire, bytes: buf.subarray(i, i + 4) });
        i += 4;
        break;
      default:
        throw badRequest(`protobuf: unsupported wire type ${wire}`);
    }
  }
  return out;
}

const toInt = (e: Entry): number => Number(BigInt.asIntN(64, e.int ?? 0n));
const str = (e: Entry): string => (e.bytes ?? Buffer.alloc(0)).toString('utf8');

function timestamp(buf: Buffer, micro: boolean): string | undefined {
  let seconds = 0;
  let nanos = 0;
  for (const e of entries(buf)) {
    if (e.field === 1) seconds = toInt(e);
    if (e.field === 2) nanos = toInt(e);
  }
  if (seconds === 0 && nanos === 0) return undefined;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

function intOrString(buf: Buffer): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  for (const e of entries(buf)) {
    if (e.field === 1) type = toInt(e);
    if (e.field === 2) intVal = toInt(e);
    if (e.field === 3) strVal = str(e);
  }
  return type === 1 ? strVal : intVal;
}

function goDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const h = Math.floor(nanos / 3.6e12);
  const m = Math.floor((nanos % 3.6e12) / 6e10);
  const s = (nanos % 6e10) / 1e9;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

function firstField(buf: Buffer, n: number): Entry | undefined {
  return entries(buf).find((e) => e.field === n);
}

function scalar(kind: string, e: Entry, type: string | undefined, nameForErrors: string): unknown {
  switch (kind) {
    case 's':
      return str(e);
    case 'b':
      return (e.bytes ?? Buffer.alloc(0)).toString('base64');
    case 'B':
      return e.int !== undefined && e.int !== 0n;
    case 'i':
      return toInt(e);
    case 'z': {
      const n = e.int ?? 0n;
      return Number((n >> 1n) ^ -(n & 1n));
    }
    case 'd':
      return e.bytes?.readDoubleLE(0) ?? 0;
    case 'f':
      return e.bytes?.readFloatLE(0) ?? 0;
    case 't':
      return timestamp(e.bytes ?? Buffer.alloc(0), nameForErrors.endsWith('MicroTime') || nameForErrors === 'eventTime' || nameForErrors === 'renewTime' || nameForErrors === 'acquireTime');
    case 'o':
      return intOrString(e.bytes ?? Buffer.alloc(0));
    case 'q': {
      const v = firstField(e.bytes ?? Buffer.alloc(0), 1);
      return v ? str(v) : '0';
    }
    case 'r': {
      const raw = firstField(e.bytes ?? Buffer.alloc(0), 1)?.bytes;
      if (!raw || raw.length === 0) return undefined;
      try {
        return JSON.parse(raw.toString('utf8'));
      } catch {
        return undefined;
      }
    }
    case 'u': {
      const v = firstField(e.bytes ?? Buffer.alloc(0), 1);
      return goDuration(v ? toInt(v) : 0);
    }
    case 'm':
      return decodeMessage(e.bytes ?? Buffer.alloc(0), type!);
    default:
      throw badRequest(`protobuf: field ${nameForErrors} has an unsupported type`);
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || v === undefined;
}

function decodeMessage(buf: Buffer, type: string): Record<string, unknown> {
  const schema = PROTO_MESSAGES[type];
  if (!schema) throw badRequest(`protobuf: unknown message ${type}`);
  const out: Record<string, unknown> = {};
  for (const e of entries(buf)) {
    const f = schema[String(e.field)];
    if (!f) continue; // a newer field than this server knows: ignored, as an old server would
    const [name, kind, flags, ref] = f;
    if (kind.startsWith('M')) {
      const map = (out[name] ??= {}) as Record<string, unknown>;
      let key = '';
      let value: unknown = kind === 'Mm' ? {} : '';
      for (const kv of entries(e.bytes ?? Buffer.alloc(0))) {
        if (kv.field === 1) key = str(kv);
        if (kv.field === 2) value = scalar(kind.slice(1), kv, ref, name);
      }
      map[key] = value;
      continue;
    }
    const v = scalar(kind, e, ref, name);
    if (flags & REPEATED) {
      if (v !== undefined) ((out[name] ??= []) as unknown[]).push(v);
    } else if (!(flags & NOT_POINTER && kind !== 'm' && isZero(v)) && v !== undefined) {
      out[name] = v;
    }
  }
  // Go's encoding/json writes non-pointer structs even when empty (`strategy: {}`, `resources: {}`).
  for (const [name, kind, flags, ref] of Object.values(schema)) {
    if (kind === 'm' && flags === NOT_POINTER && ref && out[name] === undefined && ref !== 'apimachinery.pkg.apis.meta.v1.ObjectMeta') {
      out[name] = {};
    }
  }
  return out;
}

/** The generated.proto package of an apiVersion: v1 -> api.core.v1, apps/v1 -> api.apps.v1. */
function protoPackage(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return `api.core.${apiVersion}`;
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (group === 'meta.k8s.io') return `apimachinery.pkg.apis.meta.${version}`;
  return `api.${group.split('.')[0]}.${version}`;
}

export function isProtobuf(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(MAGIC);
}

/** Decodes a `k8s\0`-framed protobuf body to a JSON object. */
export function decodeProtobuf(body: Buffer): KubeObject {
  if (!isProtobuf(body)) throw badRequest('protobuf: the body does not start with the k8s magic number');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const e of entries(body.subarray(4))) {
    if (e.field === 1) {
      for (const t of entries(e.bytes ?? Buffer.alloc(0))) {
        if (t.field === 1) apiVersion = str(t);
        if (t.field === 2) kind = str(t);
      }
    }
    if (e.field === 2) raw = e.bytes ?? raw;
  }
  const type = `${protoPackage(apiVersion)}.${kind}`;
  if (!PROTO_MESSAGES[type]) throw unsupportedMediaType(['application/json', 'application/yaml']);
  const decoded = decodeMessage(raw, type);
  return { apiVersion, kind, metadata: {}, ...decoded } as KubeObject;
}
