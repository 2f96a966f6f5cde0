import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleOpenApi, type JsonSchema } from '../../src/sandbox/openapi.js';
import { BUILTIN_RESOURCES } from '../../src/sandbox/resources.js';
import type { ResourceType } from '../../src/sandbox/types.js';

const WIDGETS: ResourceType = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status'],
  listKind: 'WidgetList',
};
const RESOURCES = [...BUILTIN_RESOURCES.map((b) => b.type), WIDGETS];
const WIDGET_SCHEMA: JsonSchema = { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } };
const opts = { schemaOf: (r: ResourceType) => (r.kind === 'Widget' ? WIDGET_SCHEMA : undefined) };

interface Doc {
  paths: Record<string, Record<string, { 'x-kubernetes-group-version-kind'?: unknown; parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, unknown> } }>>;
  components: { schemas: Record<string, JsonSchema> };
}

function get(path: string): { status: number; contentType: string; body: Buffer | string } {
  const r = handleOpenApi(new URL(`http://127.0.0.1${path}`), RESOURCES, opts);
  assert.ok(r, `${path} is an openapi path`);
  return r;
}

function doc(gvPath: string): Doc {
  const index = JSON.parse(get('/openapi/v3').body as string) as { paths: Record<string, { serverRelativeURL: string }> };
  const url = index.paths[gvPath]?.serverRelativeURL;
  assert.ok(url, `index lists ${gvPath}`);
  assert.match(url, new RegExp(`^/openapi/v3/${gvPath}\\?hash=[0-9A-F]{128}$`));
  const r = get(url);
  assert.equal(r.status, 200);
  assert.equal(r.contentType, 'application/json');
  return JSON.parse(r.body as string) as Doc;
}

function kindSchema(d: Doc, group: string, kind: string): JsonSchema | undefined {
  return Object.values(d.components.schemas).find((s) =>
    (s['x-kubernetes-group-version-kind'] as { group: string; kind: string }[] | undefined)?.some((g) => g.group === group && g.kind === kind),
  );
}

function resolve(d: Doc, s: JsonSchema | undefined): JsonSchema | undefined {
  const ref = s?.$ref ?? s?.allOf?.[0]?.$ref;
  return ref ? d.components.schemas[ref.replace('#/components/schemas/', '')] : s;
}

test('the v3 index lists every served group-version, each document parses and carries its kinds', () => {
  const index = JSON.parse(get('/openapi/v3').body as string) as { paths: Record<string, unknown> };
  for (const gv of ['api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/networking.k8s.io/v1', 'apis/apiextensions.k8s.io/v1', 'apis/example.com/v1']) {
    assert.ok(gv in index.paths, `${gv} listed`);
  }
  for (const [gv, group, kind] of [
    ['apis/apps/v1', 'apps', 'Deployment'],
    ['api/v1', '', 'Pod'],
    ['api/v1', '', 'ConfigMap'],
    ['apis/batch/v1', 'batch', 'CronJob'],
    ['apis/example.com/v1', 'example.com', 'Widget'],
  ] as const) {
    const d = doc(gv);
    assert.ok(kindSchema(d, group, kind), `${gv} has a schema tagged ${group}/${kind}`);
    // Every reference resolves inside the document, as kubectl's parser requires.
    const text = JSON.stringify(d);
    for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      assert.ok(d.components.schemas[m[1]!], `${gv}: ${m[1]} is defined`);
    }
  }
});

test('PATCH operations carry the GVK, the fieldValidation parameter and strategic merge patch for built-ins only', () => {
  const apps = doc('apis/apps/v1');
  const patch = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
  assert.ok(patch);
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.ok(patch.parameters?.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.ok('application/strategic-merge-patch+json' in (patch.requestBody?.content ?? {}));
  // kubectl stops at the first PATCH it finds for a kind: the status subresource must say the same.
  const status = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status']?.patch;
  assert.ok(status?.parameters?.some((p) => p.name === 'fieldValidation'));

  const cr = doc('apis/example.com/v1').paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']?.patch;
  assert.ok(cr?.parameters?.some((p) => p.name === 'fieldValidation'));
  assert.ok(!('application/strategic-merge-patch+json' in (cr?.requestBody?.content ?? {})));
  assert.ok('application/merge-patch+json' in (cr?.requestBody?.content ?? {}));
});

test('the schemas carry the strategic-merge metadata of the important lists', () => {
  const apps = doc('apis/apps/v1');
  const podSpec = apps.components.schemas['io.k8s.api.core.v1.PodSpec']!;
  const container = apps.components.schemas['io.k8s.api.core.v1.Container']!;
  const meta = (s: JsonSchema | undefined) => [s?.['x-kubernetes-patch-strategy'], s?.['x-kubernetes-patch-merge-key']];
  assert.deepEqual(meta(podSpec.properties?.containers), ['merge', 'name']);
  assert.deepEqual(meta(podSpec.properties?.volumes), ['merge,retainKeys', 'name']);
  assert.deepEqual(meta(podSpec.properties?.imagePullSecrets), ['merge', 'name']);
  assert.deepEqual(meta(container.properties?.env), ['merge', 'name']);
  assert.deepEqual(meta(container.properties?.ports), ['merge', 'containerPort']);
  assert.deepEqual(container.properties?.ports?.['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  assert.deepEqual(meta(container.properties?.volumeMounts), ['merge', 'mountPath']);
  // The path kubectl walks from the kind down to a container's image exists.
  const deployment = kindSchema(apps, 'apps', 'Deployment');
  const spec = resolve(apps, deployment?.properties?.spec);
  const template = resolve(apps, spec?.properties?.template);
  const ps = resolve(apps, template?.properties?.spec);
  const c = resolve(apps, ps?.properties?.containers?.items);
  assert.equal(c?.properties?.image?.type, 'string');
  // Descriptions and required fields come along, for kubectl explain.
  assert.match(String(c?.properties?.image?.description), /Container image name/);
  assert.ok(ps?.required?.includes('containers'));
  const svc = kindSchema(doc('api/v1'), '', 'Service');
  assert.ok(svc);
});

test('a custom resource is described by its CRD schema, with apiVersion, kind and metadata', () => {
  const d = doc('apis/example.com/v1');
  const w = kindSchema(d, 'example.com', 'Widget');
  assert.deepEqual(Object.keys(w?.properties ?? {}).sort(), ['apiVersion', 'kind', 'metadata', 'spec']);
  assert.deepEqual(w?.properties?.spec, WIDGET_SCHEMA.properties?.spec);
});

test('/openapi/v2 is a protobuf openapi_v2.Document; other paths are not openapi', () => {
  const r = get('/openapi/v2');
  assert.equal(r.status, 200);
  assert.match(r.contentType, /protobuf/);
  const body = r.body as Buffer;
  // Field 1 (swagger), length-delimited: "2.0".
  assert.deepEqual([...body.subarray(0, 5)], [0x0a, 3, 0x32, 0x2e, 0x30]);
  assert.equal(get('/openapi/v3/apis/nope.example.com/v1').status, 404);
  assert.equal(handleOpenApi(new URL('http://127.0.0.1/api/v1'), RESOURCES), undefined);
  assert.equal(handleOpenApi(new URL('http://127.0.0.1/openapiv3'), RESOURCES), undefined);
});

test('a document hash changes when its kinds change, and only then', () => {
  const index = (resources: ResourceType[]) =>
    (JSON.parse(handleOpenApi(new URL('http://127.0.0.1/openapi/v3'), resources, opts)!.body as string) as { paths: Record<string, { serverRelativeURL: string }> }).paths;
  const before = index(RESOURCES);
  const again = index(RESOURCES);
  const after = index([...RESOURCES.filter((r) => r !== WIDGETS), { ...WIDGETS, subresources: [] }]);
  assert.equal(before['apis/example.com/v1']!.serverRelativeURL, again['apis/example.com/v1']!.serverRelativeURL);
  assert.notEqual(before['apis/example.com/v1']!.serverRelativeURL, after['apis/example.com/v1']!.serverRelativeURL);
  assert.equal(before['apis/apps/v1']!.serverRelativeURL, after['apis/apps/v1']!.serverRelativeURL);
});
