// GET /openapi/v2 in the only encoding kubectl accepts: a protobuf
// openapi_v2.Document (github.com/google/gnostic-models, OpenAPIv2.proto).
// kubectl 1.32 takes patch metadata and field-validation support from the v3
// documents; it still downloads v2 before every validated write and only needs
// it to parse, so the document carries the header and no definitions.
//   encodeOpenApiV2('v1.32.0'): Buffer

// Field numbers from OpenAPIv2.proto.
const DOCUMENT_SWAGGER = 1;
const DOCUMENT_INFO = 2;
const DOCUMENT_PATHS = 8;
const DOCUMENT_DEFINITIONS = 9;
const INFO_TITLE = 1;
const INFO_VERSION = 2;

export function encodeOpenApiV2(kubernetesVersion: string): Buffer {
  return message([
    stringField(DOCUMENT_SWAGGER, '2.0'),
    messageField(DOCUMENT_INFO, [stringField(INFO_TITLE, 'Kubernetes'), stringField(INFO_VERSION, kubernetesVersion)]),
    messageField(DOCUMENT_PATHS, []),
    messageField(DOCUMENT_DEFINITIONS, []),
  ]);
}

// Protobuf wire format: each field is a varint key (number << 3 | wire type)
// followed, for length-delimited values (wire type 2), by a varint length.
function stringField(field: number, value: string): Buffer {
  return lengthDelimited(field, Buffer.from(value, 'utf8'));
}

function messageField(field: number, parts: Buffer[]): Buffer {
  return lengthDelimited(field, message(parts));
}

function message(parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
