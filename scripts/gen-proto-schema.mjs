// Regenerates src/sandbox/http/proto-schema.ts: the field numbers of the
// Kubernetes protobuf messages the sandbox decodes. Go binaries built from
// k8s.io/api embed each generated.proto as a gzipped FileDescriptorProto, so
// any kubectl of the served release is the source.
// Usage: node scripts/gen-proto-schema.mjs /path/to/kubectl > src/sandbox/http/proto-schema.ts
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const PACKAGES = [
  ...['core', 'apps', 'batch', 'networking', 'coordination', 'rbac', 'policy', 'autoscaling', 'scheduling', 'authentication', 'authorization', 'discovery', 'storage'].map(
    (p) => `api.${p}.v1`,
  ),
  'api.autoscaling.v2',
];
const SPECIAL = {
  'apimachinery.pkg.apis.meta.v1.Time': 't',
  'apimachinery.pkg.apis.meta.v1.MicroTime': 't',
  'apimachinery.pkg.util.intstr.IntOrString': 'o',
  'apimachinery.pkg.api.resource.Quantity': 'q',
  'apimachinery.pkg.runtime.RawExtension': 'r',
  'apimachinery.pkg.apis.meta.v1.FieldsV1': 'r',
  'apimachinery.pkg.apis.meta.v1.Duration': 'u',
};
// FieldDescriptorProto.Type -> kind code
const KIND = { 1: 'd', 2: 'f', 3: 'i', 4: 'i', 5: 'i', 8: 'B', 9: 's', 11: 'm', 12: 'b', 13: 'i', 17: 'z', 18: 'z' };
// gogoproto.nullable = false, as it appears in FieldOptions
const NOT_NULLABLE = Buffer.from([0xc8, 0xde, 0x1f, 0x00]);

function fields(buf) {
  const out = [];
  let i = 0;
  const varint = () => {
    let r = 0n;
    let s = 0n;
    for (;;) {
      const b = buf[i++];
      r |= BigInt(b & 0x7f) << s;
      if (b < 0x80) return r;
      s += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const f = key >> 3;
    const w = key & 7;
    if (w === 0) out.push([f, Number(varint())]);
    else if (w === 2) {
      const len = Number(varint());
      out.push([f, buf.subarray(i, i + len)]);
      i += len;
    } else if (w === 1) i += 8;
    else if (w === 5) i += 4;
    else throw new Error(`wire type ${w}`);
  }
  return out;
}

const short = (n) => n.replace(/^\./, '').replace(/^k8s\.io\./, '');
const messages = new Map();

function walk(prefix, bytes) {
  const mf = fields(bytes);
  const name = `${prefix}.${mf.find(([f]) => f === 1)[1].toString()}`;
  let mapEntry = false;
  const list = [];
  for (const [f, v] of mf) {
    if (f === 7) mapEntry ||= fields(v).some(([a, b]) => a === 7 && b === 1);
    if (f === 3) walk(name, v);
    if (f === 2) {
      const d = Object.fromEntries(fields(v));
      list.push({
        name: d[1].toString(),
        num: d[3],
        repeated: d[4] === 3,
        type: d[5],
        ref: d[6] ? short(d[6].toString()) : undefined,
        notNullable: d[8] ? d[8].includes(NOT_NULLABLE) : false,
      });
    }
  }
  messages.set(short(name), { fields: list, mapEntry });
}

const binary = readFileSync(process.argv[2]);
for (let at = binary.indexOf(Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0])); at >= 0; at = binary.indexOf(Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]), at + 1)) {
  let file;
  try {
    file = gunzipSync(binary.subarray(at, at + 400_000), { finishFlush: 2 });
  } catch {
    continue;
  }
  if (!file.subarray(0, 200).includes('generated.proto')) continue;
  const fd = fields(file);
  const pkg = fd.find(([f]) => f === 2)?.[1]?.toString();
  if (!pkg) continue;
  for (const [f, v] of fd) if (f === 4) walk(`.${pkg}`, v);
}

const roots = [...messages.keys()].filter((n) => {
  const pkg = PACKAGES.find((p) => n.startsWith(`${p}.`) && n.split('.').length === p.split('.').length + 1);
  return pkg && !n.endsWith('List') && messages.get(n).fields.some((f) => f.name === 'metadata');
});
roots.push('apimachinery.pkg.apis.meta.v1.DeleteOptions');
const needed = new Set();
const stack = [...roots];
while (stack.length) {
  const n = stack.pop();
  if (needed.has(n) || SPECIAL[n]) continue;
  needed.add(n);
  for (const f of messages.get(n).fields) if (f.type === 11) stack.push(f.ref);
}

const out = {};
for (const n of [...needed].sort()) {
  const m = messages.get(n);
  if (m.mapEntry) continue;
  const fs = {};
  for (const f of m.fields) {
    let kind = KIND[f.type] ?? '?';
    let ref;
    if (f.type === 11) {
      const target = messages.get(f.ref);
      if (SPECIAL[f.ref]) kind = SPECIAL[f.ref];
      else if (target?.mapEntry) {
        const value = target.fields.find((x) => x.num === 2);
        const vk = value.type === 11 ? (SPECIAL[value.ref] ?? 'm') : KIND[value.type];
        kind = `M${vk}`;
        if (vk === 'm') ref = value.ref;
      } else ref = f.ref;
    }
    const flags = (f.repeated && !kind.startsWith('M') ? 1 : 0) | (f.notNullable ? 2 : 0);
    fs[f.num] = ref ? [f.name, kind, flags, ref] : [f.name, kind, flags];
  }
  out[n] = fs;
}

const lines = [
  '// Generated from the descriptors of the k8s.io/api and k8s.io/apimachinery',
  '// generated.proto files (Kubernetes 1.32) by scripts/gen-proto-schema.mjs: field',
  '// number -> [json name, kind, flags, message type] for every message a',
  '// protobuf request body can carry.',
  '// Kinds: s string, b bytes, B bool, i integer, d double, m message, t time,',
  '// o int-or-string, q quantity, r raw JSON, u duration, M<kind> map of <kind>.',
  '// Flags: 1 repeated, 2 not a pointer in Go (its zero value is omitted in JSON).',
  '// Do not edit by hand.',
  "import type { ProtoMessages } from './protobuf.js';",
  '',
  'export const PROTO_MESSAGES: ProtoMessages = {',
  ...Object.entries(out).map(([n, fs]) => `  ${JSON.stringify(n)}: ${JSON.stringify(fs)},`),
  '};',
];
process.stdout.write(`${lines.join('\n')}\n`);
