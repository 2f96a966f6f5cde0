// The sandbox over HTTP, as client-go and kubectl talk to it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;

before(async () => {
  sb = await startSandbox({ workloads: false });
});

after(async () => {
  await sb.stop();
});

interface Reply {
  status: number;
  contentType: string;
  body: any;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  const r = await fetch(`${sb.url}${path}`, init);
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text bodies stay strings
  }
  return { status: r.status, contentType: r.headers.get('content-type') ?? '', body: parsed };
}

const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

function deployment(name: string, image = 'lyzhang1999/hello-world-flask:latest') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
    },
  };
}

/** Reads a watch stream until `want` events arrived, then closes it. */
function watchEvents(path: string, want: number): Promise<{ type: string; object: any }[]> {
  return new Promise((resolve, reject) => {
    const events: { type: string; object: any }[] = [];
    const req = request(`${sb.url}${path}`, { headers: { Accept: 'application/json' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line));
          if (events.length >= want) {
            req.destroy();
            resolve(events);
            return;
          }
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', (err) => (events.length >= want ? resolve(events) : reject(err)));
    req.end();
  });
}

test('/version and discovery describe a v1.32 server', async () => {
  const v = await call('GET', '/version');
  assert.equal(v.body.major, '1');
  assert.match(v.body.gitVersion, /^v1\.32\./);
  assert.equal(v.body.platform, 'linux/amd64');
  const core = await call('GET', '/api/v1');
  const pods = core.body.resources.find((r: any) => r.name === 'pods');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  assert.ok(core.body.resources.some((r: any) => r.name === 'pods/log'));
  const apps = await call('GET', '/apis/apps/v1');
  const deploy = apps.body.resources.find((r: any) => r.name === 'deployments');
  assert.equal(deploy.kind, 'Deployment');
  assert.equal(deploy.namespaced, true);
  assert.deepEqual(deploy.shortNames, ['deploy']);
  assert.ok(deploy.verbs.includes('patch'));
  const scale = apps.body.resources.find((r: any) => r.name === 'deployments/scale');
  assert.deepEqual([scale.group, scale.version, scale.kind], ['autoscaling', 'v1', 'Scale']);
  const groups = await call('GET', '/apis');
  assert.ok(groups.body.groups.some((g: any) => g.name === 'apps' && g.preferredVersion.version === 'v1'));
});

test('aggregated discovery is served when asked for', async () => {
  const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
  const r = await call('GET', '/apis', undefined, { Accept: accept });
  assert.equal(r.contentType, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.equal(r.body.kind, 'APIGroupDiscoveryList');
  const apps = r.body.items.find((g: any) => g.metadata.name === 'apps');
  const deploy = apps.versions[0].resources.find((x: any) => x.resource === 'deployments');
  assert.equal(deploy.scope, 'Namespaced');
  assert.deepEqual(
    deploy.subresources.map((s: any) => s.subresource),
    ['scale', 'status'],
  );
});

test('errors are metav1.Status objects with the real wording', async () => {
  const missing = await call('GET', `${DEPLOYMENTS}/nope`);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'deployments.apps "nope" not found',
    reason: 'NotFound',
    details: { name: 'nope', group: 'apps', kind: 'deployments' },
    code: 404,
  });
  const unknown = await call('GET', '/apis/apps/v1/namespaces/default/widgets');
  assert.equal(unknown.status, 404);
  const badMethod = await call('DELETE', '/api/v1/namespaces');
  assert.equal(badMethod.status, 405);
  assert.equal(badMethod.body.reason, 'MethodNotAllowed');
});

test('create, conflict on a stale update, 422 with causes', async () => {
  const created = await call('POST', DEPLOYMENTS, deployment('api-web'));
  assert.equal(created.status, 201);
  assert.equal(created.body.metadata.namespace, 'default');
  const rv = created.body.metadata.resourceVersion;
  const again = await call('POST', DEPLOYMENTS, deployment('api-web'));
  assert.equal(again.status, 409);
  assert.equal(again.body.reason, 'AlreadyExists');
  const scaled = { ...created.body, spec: { ...created.body.spec, replicas: 3 } };
  const ok = await call('PUT', `${DEPLOYMENTS}/api-web`, scaled);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.metadata.generation, 2);
  const stale = await call('PUT', `${DEPLOYMENTS}/api-web`, { ...scaled, metadata: { ...scaled.metadata, resourceVersion: rv } });
  assert.equal(stale.status, 409);
  assert.equal(
    stale.body.message,
    'Operation cannot be fulfilled on deployments.apps "api-web": the object has been modified; please apply your changes to the latest version and try again',
  );
  const bad = deployment('api-bad');
  bad.spec.selector.matchLabels.app = 'other';
  const invalid = await call('POST', DEPLOYMENTS, bad);
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body.reason, 'Invalid');
  assert.equal(invalid.body.details.causes[0].field, 'spec.template.metadata.labels');
  const wrongNs = await call('POST', DEPLOYMENTS, { ...deployment('api-ns'), metadata: { name: 'api-ns', namespace: 'kube-system' } });
  assert.equal(wrongNs.status, 400);
  const noNs = await call('POST', '/api/v1/namespaces/missing/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
  assert.equal(noNs.status, 404);
  assert.equal(noNs.body.message, 'namespaces "missing" not found');
});

test('dryRun=All on every write stores nothing', async () => {
  const rv0 = sb.store.resourceVersion();
  const created = await call('POST', `${CONFIGMAPS}?dryRun=All`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' }, data: { a: '1' } });
  assert.equal(created.status, 201);
  assert.equal((await call('GET', `${CONFIGMAPS}/dry`)).status, 404);
  await call('POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wet' }, data: { a: '1' } });
  const rv1 = sb.store.resourceVersion();
  assert.equal(Number(rv1), Number(rv0) + 1);
  const patched = await call('PATCH', `${CONFIGMAPS}/wet?dryRun=All`, { data: { a: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.body.data.a, '2');
  await call('PUT', `${CONFIGMAPS}/wet?dryRun=All`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wet' }, data: { a: '3' } });
  await call('DELETE', `${CONFIGMAPS}/wet?dryRun=All`);
  assert.equal(sb.store.resourceVersion(), rv1);
  assert.equal((await call('GET', `${CONFIGMAPS}/wet`)).body.data.a, '1');
  const bad = await call('POST', `${CONFIGMAPS}?dryRun=Some`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
  assert.equal(bad.status, 400);
});

test('patch: merge, JSON patch and strategic merge patch; fieldManager recorded', async () => {
  await call('POST', DEPLOYMENTS, deployment('api-patch'));
  const merge = await call('PATCH', `${DEPLOYMENTS}/api-patch`, { spec: { replicas: 4 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(merge.status, 200);
  assert.equal(merge.body.spec.replicas, 4);
  const json = await call('PATCH', `${DEPLOYMENTS}/api-patch`, [{ op: 'replace', path: '/spec/replicas', value: 5 }], { 'Content-Type': 'application/json-patch+json' });
  assert.equal(json.body.spec.replicas, 5);
  const smp = await call('PATCH', `${DEPLOYMENTS}/api-patch?fieldManager=tester`, { metadata: { labels: { tier: 'web' } } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
  assert.deepEqual(smp.body.metadata.labels, { app: 'api-patch', tier: 'web' });
  const unknownType = await call('PATCH', `${DEPLOYMENTS}/api-patch`, { spec: {} }, { 'Content-Type': 'text/plain' });
  assert.equal(unknownType.status, 415);
  const missing = await call('PATCH', `${DEPLOYMENTS}/none`, { spec: {} }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(missing.status, 404);
});

test('patch failures answer as the real server: 422 without the library text, 500 without a reason', async () => {
  await call('POST', DEPLOYMENTS, deployment('api-patch-fail'));
  const json = await call('PATCH', `${DEPLOYMENTS}/api-patch-fail`, [{ op: 'remove', path: '/spec/nope' }], { 'Content-Type': 'application/json-patch+json' });
  assert.equal(json.status, 422);
  assert.equal(json.body.reason, 'Invalid');
  assert.equal(json.body.message, 'the server rejected our request due to an error in our request');
  assert.deepEqual(json.body.details, {});
  const noMergeKey = await call(
    'PATCH',
    `${DEPLOYMENTS}/api-patch-fail`,
    { spec: { template: { spec: { containers: [{ image: 'nginx' }] } } } },
    { 'Content-Type': 'application/strategic-merge-patch+json' },
  );
  assert.equal(noMergeKey.status, 500);
  assert.equal(noMergeKey.body.code, 500);
  assert.equal('reason' in noMergeKey.body, false);
  assert.match(noMergeKey.body.message, /does not contain declared merge key: name/);
});

test('server-side apply creates, then updates', async () => {
  const body = JSON.stringify({ ...deployment('api-ssa'), metadata: { name: 'api-ssa', namespace: 'default', labels: { app: 'api-ssa' } } });
  const created = await call('PATCH', `${DEPLOYMENTS}/api-ssa?fieldManager=kubectl`, body, { 'Content-Type': 'application/apply-patch+yaml' });
  assert.equal(created.status, 201);
  assert.equal(created.body.spec.replicas, 2);
  const changed = JSON.parse(body);
  changed.spec.replicas = 3;
  const updated = await call('PATCH', `${DEPLOYMENTS}/api-ssa?fieldManager=kubectl`, JSON.stringify(changed), { 'Content-Type': 'application/apply-patch+yaml' });
  assert.equal(updated.status, 200);
  assert.equal(updated.body.spec.replicas, 3);
  const noManager = await call('PATCH', `${DEPLOYMENTS}/api-ssa`, body, { 'Content-Type': 'application/apply-patch+yaml' });
  assert.equal(noManager.status, 400);
});

test('a resourceVersion in an apply or patch body is a precondition: 409 when stale', async () => {
  const path = `${CONFIGMAPS}/api-rv-pre?fieldManager=tester`;
  const applied = (resourceVersion: string, a: string) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-rv-pre', resourceVersion }, data: { a } });
  const created = await call('PATCH', path, applied('1', 'one'), { 'Content-Type': 'application/apply-patch+yaml' });
  assert.equal(created.status, 201, 'on create the resourceVersion is ignored');
  const current = created.body.metadata.resourceVersion as string;
  const stale = await call('PATCH', path, applied('1', 'two'), { 'Content-Type': 'application/apply-patch+yaml' });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, 'Conflict');
  assert.equal(
    stale.body.message,
    'Operation cannot be fulfilled on configmaps "api-rv-pre": the object has been modified; please apply your changes to the latest version and try again',
  );
  const fresh = await call('PATCH', path, applied(current, 'three'), { 'Content-Type': 'application/apply-patch+yaml' });
  assert.equal(fresh.status, 200);
  assert.equal(fresh.body.data.a, 'three');
  const merge = await call('PATCH', path, { metadata: { resourceVersion: current }, data: { a: 'four' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(merge.status, 409, 'the apply above moved the resourceVersion on');
  const smp = await call('PATCH', path, { metadata: { resourceVersion: '1' } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
  assert.equal(smp.status, 409);
  const json = await call('PATCH', path, [{ op: 'replace', path: '/metadata/resourceVersion', value: '1' }], { 'Content-Type': 'application/json-patch+json' });
  assert.equal(json.status, 409);
  const unconditional = await call('PATCH', path, { data: { a: 'five' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(unconditional.status, 200);
  assert.equal((await call('GET', `${CONFIGMAPS}/api-rv-pre`)).body.data.a, 'five');
});

test('status and scale subresources', async () => {
  await call('POST', DEPLOYMENTS, deployment('api-sub'));
  const st = await call('PUT', `${DEPLOYMENTS}/api-sub/status`, { ...(await call('GET', `${DEPLOYMENTS}/api-sub`)).body, status: { replicas: 2, readyReplicas: 2 } });
  assert.equal(st.status, 200);
  assert.deepEqual(st.body.status, { replicas: 2, readyReplicas: 2 });
  const scale = await call('GET', `${DEPLOYMENTS}/api-sub/scale`);
  assert.equal(scale.body.kind, 'Scale');
  assert.equal(scale.body.spec.replicas, 2);
  assert.equal(scale.body.status.selector, 'app=api-sub');
  const rescaled = await call('PATCH', `${DEPLOYMENTS}/api-sub/scale`, { spec: { replicas: 6 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(rescaled.body.spec.replicas, 6);
  assert.equal((await call('GET', `${DEPLOYMENTS}/api-sub`)).body.spec.replicas, 6);
  assert.equal((await call('GET', `${CONFIGMAPS}/kube-root-ca.crt/status`)).status, 404);
});

test('list: selectors, limit and continue, all namespaces', async () => {
  for (let i = 0; i < 5; i++) {
    await call('POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `page-${i}`, labels: { page: 'yes', n: String(i) } } });
  }
  const sel = await call('GET', `${CONFIGMAPS}?labelSelector=${encodeURIComponent('page=yes,n in (1,3)')}`);
  assert.equal(sel.body.kind, 'ConfigMapList');
  assert.deepEqual(sel.body.items.map((o: any) => o.metadata.name), ['page-1', 'page-3']);
  const first = await call('GET', `${CONFIGMAPS}?labelSelector=page%3Dyes&limit=2`);
  assert.equal(first.body.items.length, 2);
  assert.ok(first.body.metadata.continue);
  const names = first.body.items.map((o: any) => o.metadata.name);
  let cont = first.body.metadata.continue;
  while (cont) {
    const next = await call('GET', `${CONFIGMAPS}?labelSelector=page%3Dyes&limit=2&continue=${encodeURIComponent(cont)}`);
    names.push(...next.body.items.map((o: any) => o.metadata.name));
    cont = next.body.metadata.continue;
  }
  assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  const all = await call('GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Dkube-root-ca.crt');
  assert.deepEqual(
    all.body.items.map((o: any) => o.metadata.namespace),
    ['default', 'kube-node-lease', 'kube-public', 'kube-system'],
  );
});

test('an Accept header listing protobuf first gets JSON', async () => {
  const r = await call('GET', '/api/v1/namespaces/default', undefined, { Accept: 'application/vnd.kubernetes.protobuf, */*' });
  assert.equal(r.status, 200);
  assert.equal(r.contentType, 'application/json');
  assert.equal(r.body.kind, 'Namespace');
});

test('watch: resumes from a resourceVersion; too old gets an ERROR event with 410', async () => {
  const start = sb.store.resourceVersion();
  await call('POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched' } });
  await call('PATCH', `${CONFIGMAPS}/watched`, { data: { x: '1' } }, { 'Content-Type': 'application/merge-patch+json' });
  await call('DELETE', `${CONFIGMAPS}/watched`);
  const evs = await watchEvents(`${CONFIGMAPS}?watch=true&fieldSelector=metadata.name%3Dwatched&resourceVersion=${start}`, 3);
  assert.deepEqual(evs.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  assert.equal(evs[1]!.object.data.x, '1');
  // From a resourceVersion: whenever the stream opens, it starts from here.
  const live = watchEvents(`/api/v1/watch/namespaces/default/configmaps?labelSelector=live%3Dyes&resourceVersion=${sb.store.resourceVersion()}`, 2);
  await call('POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live-1', labels: { live: 'yes' } } });
  await call('PATCH', `${CONFIGMAPS}/live-1`, { metadata: { labels: { live: 'no' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.deepEqual((await live).map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'live-1'], ['DELETED', 'live-1']]);
  const small = await startSandbox({ workloads: false, historySize: 2 });
  try {
    const old = small.store.resourceVersion();
    for (let i = 0; i < 4; i++) {
      await fetch(`${small.url}${CONFIGMAPS}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } }) });
    }
    const text = await (await fetch(`${small.url}${CONFIGMAPS}?watch=1&resourceVersion=${old}`)).text();
    const ev = JSON.parse(text.trim());
    assert.equal(ev.type, 'ERROR');
    assert.equal(ev.object.code, 410);
    assert.equal(ev.object.reason, 'Expired');
  } finally {
    await small.stop();
  }
});

test('delete answers a Status, or the object when it lingers', async () => {
  await call('POST', DEPLOYMENTS, deployment('api-del'));
  const del = await call('DELETE', `${DEPLOYMENTS}/api-del`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  assert.equal(del.status, 200);
  assert.equal(del.body.kind, 'Status');
  assert.equal(del.body.status, 'Success');
  assert.deepEqual(del.body.details.name, 'api-del');
  await call('POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/x'] } });
  const held = await call('DELETE', `${CONFIGMAPS}/held`);
  assert.equal(held.body.kind, 'ConfigMap');
  assert.ok(held.body.metadata.deletionTimestamp);
  await call('PATCH', `${CONFIGMAPS}/held`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal((await call('GET', `${CONFIGMAPS}/held`)).status, 404);
  const coll = await call('DELETE', `${CONFIGMAPS}?labelSelector=page%3Dyes`);
  assert.equal(coll.status, 200);
  assert.equal((await call('GET', `${CONFIGMAPS}?labelSelector=page%3Dyes`)).body.items.length, 0);
});

test('a custom resource is served once its CRD exists', async () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gizmos.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', shortNames: ['gz'] },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  assert.equal((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
  const gv = await call('GET', '/apis/example.com/v1');
  assert.deepEqual(gv.body.resources.map((r: any) => [r.name, r.kind, r.shortNames]), [['gizmos', 'Gizmo', ['gz']]]);
  const path = '/apis/example.com/v1/namespaces/default/gizmos';
  const made = await call('POST', path, { apiVersion: 'example.com/v1', kind: 'Gizmo', metadata: { name: 'g1' }, spec: { size: 3 } });
  assert.equal(made.status, 201);
  assert.equal((await call('GET', path)).body.items[0].spec.size, 3);
  const smp = await call('PATCH', `${path}/g1`, { spec: { size: 4 } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
  assert.equal(smp.status, 415, 'custom resources do not take strategic merge patches');
  await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.example.com');
  for (let i = 0; i < 1000 && (await call('GET', path)).status !== 404; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal((await call('GET', path)).status, 404);
});

test('server-side apply of a custom resource honours the CRD status subresource', async () => {
  const crd = (plural: string, kind: string, subresources?: object) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.example.com` },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          ...(subresources ? { subresources } : {}),
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  assert.equal((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('widgets', 'Widget', { status: {} }))).status, 201);
  assert.equal((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('plainwidgets', 'PlainWidget'))).status, 201);
  const apply = (plural: string, kind: string) =>
    call(
      'PATCH',
      `/apis/example.com/v1/namespaces/default/${plural}/w1?fieldManager=tester`,
      JSON.stringify({ apiVersion: 'example.com/v1', kind, metadata: { name: 'w1' }, spec: { size: 1 }, status: { ready: true } }),
      { 'Content-Type': 'application/apply-patch+yaml' },
    );
  const withSub = await apply('widgets', 'Widget');
  assert.equal(withSub.status, 201);
  assert.equal(withSub.body.spec.size, 1);
  assert.equal(withSub.body.status, undefined, 'status is written through /status only');
  const without = await apply('plainwidgets', 'PlainWidget');
  assert.equal(without.status, 201);
  assert.deepEqual(without.body.status, { ready: true }, 'without the subresource status is part of the object');
  await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
  await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/plainwidgets.example.com');
});

test('a token-protected sandbox answers 401 without the token', async () => {
  const guarded = await startSandbox({ workloads: false, token: 'sekret' });
  try {
    const denied = await fetch(`${guarded.url}/api/v1/namespaces`);
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as { reason: string }).reason, 'Unauthorized');
    const allowed = await fetch(`${guarded.url}/api/v1/namespaces`, { headers: { Authorization: 'Bearer sekret' } });
    assert.equal(allowed.status, 200);
    assert.match(guarded.kubeconfig, /token: sekret/);
  } finally {
    await guarded.stop();
  }
});

test('restart keeps the port and every object', async () => {
  const other = await startSandbox({ workloads: false });
  try {
    await fetch(`${other.url}${CONFIGMAPS}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'survivor' } }) });
    await other.restart();
    const r = await fetch(`${other.url}${CONFIGMAPS}/survivor`);
    assert.equal(r.status, 200);
  } finally {
    await other.stop();
  }
});

test('pods: binding puts a Pod on a node, eviction deletes it, the spec is otherwise immutable', async () => {
  const PODS = '/api/v1/namespaces/default/pods';
  await call('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } });
  const bind = await call('POST', `${PODS}/bound/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-a' } });
  assert.equal(bind.status, 201);
  const pod = (await call('GET', `${PODS}/bound`)).body;
  assert.equal(pod.spec.nodeName, 'node-a');
  const again = await call('POST', `${PODS}/bound/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-b' } });
  assert.equal(again.status, 409);
  const image = await call('PATCH', `${PODS}/bound`, { spec: { containers: [{ name: 'c', image: 'nginx:1.28' }] } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
  assert.equal(image.status, 200);
  const restart = await call('PATCH', `${PODS}/bound`, { spec: { restartPolicy: 'Never' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(restart.status, 422);
  assert.match(restart.body.message, /^Pod "bound" is invalid: spec: Forbidden: pod updates may not change fields other than/);
  const evict = await call('POST', `${PODS}/bound/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'bound' }, deleteOptions: { gracePeriodSeconds: 0 } });
  assert.equal(evict.status, 201);
  assert.equal((await call('GET', `${PODS}/bound`)).status, 404);
});

test('review kinds answer at once and are never stored', async () => {
  const r = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb: 'create', resource: 'deployments', group: 'apps', namespace: 'default' } },
  });
  assert.equal(r.status, 201);
  assert.equal(r.body.status.allowed, true);
  assert.equal(r.body.spec.resourceAttributes.verb, 'create');
  const list = await call('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
  assert.equal(list.status, 405);
});

test('watch with sendInitialEvents: the current objects, then a BOOKMARK marking their end', async () => {
  await call('POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'initial-1', labels: { initial: 'yes' } } });
  const evs = await watchEvents(`${CONFIGMAPS}?watch=1&labelSelector=initial%3Dyes&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`, 2);
  assert.deepEqual(evs.map((e) => e.type), ['ADDED', 'BOOKMARK']);
  assert.equal(evs[1]!.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  assert.equal(evs[1]!.object.metadata.resourceVersion, sb.store.resourceVersion());
});

test('a Table watch sends column definitions once, then rows', async () => {
  const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
  const from = sb.store.resourceVersion();
  const got = new Promise<any[]>((resolve, reject) => {
    const events: any[] = [];
    const req = request(`${sb.url}${CONFIGMAPS}?watch=1&labelSelector=tbl%3Dyes&resourceVersion=${from}`, { headers: { Accept: accept } }, (res) => {
      let buf = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) if (l) events.push(JSON.parse(l));
        if (events.length >= 2) {
          req.destroy();
          resolve(events);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
  await call('POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tbl-1', labels: { tbl: 'yes' } }, data: { a: '1' } });
  await call('POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tbl-2', labels: { tbl: 'yes' } } });
  const [first, second] = await got;
  assert.equal(first.object.kind, 'Table');
  assert.deepEqual(first.object.columnDefinitions.map((c: any) => c.name), ['Name', 'Data', 'Age']);
  assert.deepEqual(first.object.rows[0].cells.slice(0, 2), ['tbl-1', 1]);
  assert.deepEqual(second.object.columnDefinitions, []);
});

test('fieldValidation: Strict refuses unknown fields, Warn warns and drops them', async () => {
  const body = { ...deployment('api-fields'), spec: { ...deployment('api-fields').spec, foo: 'bar' } };
  const strict = await call('POST', `${DEPLOYMENTS}?fieldValidation=Strict`, body);
  assert.equal(strict.status, 400);
  assert.equal(strict.body.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"');
  const r = await fetch(`${sb.url}${DEPLOYMENTS}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('warning'), '299 - "unknown field \\"spec.foo\\""');
  const stored = (await call('GET', `${DEPLOYMENTS}/api-fields`)).body;
  assert.equal(stored.spec.foo, undefined);
});

/** Protobuf length-delimited field `n` holding `body` (the only wire type these messages need). */
function pbField(n: number, body: Buffer | string): Buffer {
  const b = Buffer.from(body);
  const len: number[] = [];
  for (let v = b.length; ; v >>= 7) {
    if (v < 0x80) {
      len.push(v);
      break;
    }
    len.push((v & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(n << 3) | 2, ...len]), b]);
}

test('a protobuf body (as typed clients send) is decoded', async () => {
  const meta = pbField(1, 'from-protobuf');
  const entry = Buffer.concat([pbField(1, 'color'), pbField(2, 'blue')]);
  const cm = Buffer.concat([pbField(1, meta), pbField(2, entry)]);
  const typeMeta = Buffer.concat([pbField(1, 'v1'), pbField(2, 'ConfigMap')]);
  const body = Buffer.concat([Buffer.from('k8s\0'), pbField(1, typeMeta), pbField(2, cm)]);
  const r = await fetch(`${sb.url}${CONFIGMAPS}`, { method: 'POST', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/json' }, body });
  assert.equal(r.status, 201);
  const stored = (await call('GET', `${CONFIGMAPS}/from-protobuf`)).body;
  assert.deepEqual(stored.data, { color: 'blue' });
});
