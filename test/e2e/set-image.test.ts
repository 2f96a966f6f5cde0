// gdeploy set-image against a cluster, as the tutorial uses kubectl set image:
// the image changes, the rollout is followed to the end, and nothing but the
// image changes. The built CLI runs as a subprocess.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LATEST, SKIP, V1, helloWorld, testCluster, workload, written } from './set-image-harness.js';

// Each test has its own namespace (and sandbox); they run side by side.
describe('gdeploy set-image', { concurrency: true }, () => {
  test("the tutorial's set image from :latest to :v1 rolls out and keeps availability", { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(helloWorld(LATEST));
    await c.rolledOut('deployment/hello-world-flask');

    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${V1}`, '--timeout', '2m']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'deployment.apps/hello-world-flask image updated\n');
    const summary = /deployment\/hello-world-flask rolled out in [\d.]+s; available Pods never below (\d+) of 2 \(minimum (\d+)\)/.exec(r.stderr);
    assert.ok(summary, r.stderr);
    assert.ok(Number(summary[1]) >= Number(summary[2]), `availability ${summary[1]} fell below the minimum ${summary[2]}`);

    // Done means what kubectl means: every replica is new and available, and nothing old is left.
    const d = await c.must('deployment/hello-world-flask');
    assert.equal(d.spec.template.spec.containers[0].image, V1);
    assert.equal(d.status.updatedReplicas, 2);
    assert.equal(d.status.availableReplicas, 2);
    assert.equal(d.status.replicas, 2);
    const pods = await c.must('pods');
    const running = pods.items.filter((p: any) => !p.metadata.deletionTimestamp);
    assert.deepEqual(running.map((p: any) => p.spec.containers[0].image), [V1, V1]);
    assert.ok(
      d.metadata.managedFields.some((m: any) => m.manager === 'gdeploy' && m.operation === 'Apply'),
      'the image is applied by field manager gdeploy',
    );
  });

  test('fields gdeploy applied before are kept: only the image changes', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    const dir = mkdtempSync(join(tmpdir(), 'gdeploy-set-image-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const manifest = helloWorld(LATEST).replace('        ports:', '        env:\n        - name: GREETING\n          value: hello\n        ports:');
    writeFileSync(join(dir, 'deployment.yaml'), manifest);
    const applied = await c.gdeploy(['apply', '-f', dir, '--app', 'hello', '--timeout', '2m']);
    assert.equal(applied.code, 0, applied.stderr);
    const before = await c.must('deployment/hello-world-flask');

    const r = await c.gdeploy(['set-image', 'deploy', 'hello-world-flask', `hello-world-flask=${V1}`, '--no-wait']);
    assert.equal(r.code, 0, r.stderr);
    const after = await c.must('deployment/hello-world-flask');
    const container = after.spec.template.spec.containers[0];
    assert.equal(container.image, V1);
    assert.deepEqual(container.env, [{ name: 'GREETING', value: 'hello' }], 'env that only gdeploy owned is still there');
    assert.deepEqual(after.metadata.labels, before.metadata.labels);
    assert.equal(after.spec.replicas, 2);
    assert.deepEqual(container.ports, before.spec.template.spec.containers[0].ports);
  });

  test('--dry-run shows the image diff and changes nothing', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(helloWorld(LATEST));
    const before = await c.must('deployment/hello-world-flask');
    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${V1}`, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^-\\s+- image: ${LATEST}|^-\\s+image: ${LATEST}`, 'm'));
    assert.match(r.stdout, new RegExp(`^\\+\\s+(- )?image: ${V1}`, 'm'));
    assert.match(r.stdout, /^deployment\.apps\/hello-world-flask image updated \(server dry run\)$/m);
    const after = await c.must('deployment/hello-world-flask');
    assert.deepEqual(written(after), written(before));
  });

  test('an unknown container is refused, listing the containers there are; nothing changes', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(helloWorld(LATEST));
    const before = await c.must('deployment/hello-world-flask');
    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `web=${V1}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unable to find container named "web"; its containers are: hello-world-flask; nothing changed/);
    assert.deepEqual(written(await c.must('deployment/hello-world-flask')), written(before));
  });

  test('a malformed image reference is refused with the reason, before any request', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    const upper = await c.gdeploy(['set-image', 'deployment/hello-world-flask', 'hello-world-flask=Lyzhang1999/Hello:v1']);
    assert.equal(upper.code, 2);
    assert.match(upper.stderr, /invalid image "Lyzhang1999\/Hello:v1" for container "hello-world-flask": repository name must be lowercase/);
    const bad = await c.gdeploy(['set-image', 'deployment/hello-world-flask', 'hello-world-flask=repo:tag:again']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid reference format/);
  });

  test('*=IMAGE sets every container, init containers included, across a label selection', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    const withInit = (name: string, team: string) => workload({ name, image: LATEST, labels: { team }, initImage: 'busybox:1.36' });
    await c.create(withInit('api', 'a'));
    await c.create(withInit('worker', 'a'));
    await c.create(withInit('other', 'b'));
    const r = await c.gdeploy(['set-image', 'deployments', '-l', 'team=a', `*=${V1}`, '--timeout', '2m']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^deployment\.apps\/api image updated$/m);
    assert.match(r.stdout, /^deployment\.apps\/worker image updated$/m);
    for (const name of ['api', 'worker']) {
      const spec = (await c.must(`deployment/${name}`)).spec.template.spec;
      assert.equal(spec.initContainers[0].image, V1);
      assert.equal(spec.containers[0].image, V1);
    }
    assert.equal((await c.must('deployment/other')).spec.template.spec.containers[0].image, LATEST);
  });

  test('-f names the objects of a manifest file; --all takes every object of a type', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(workload({ name: 'api', image: LATEST }));
    await c.create(workload({ name: 'worker', image: LATEST }));
    const dir = mkdtempSync(join(tmpdir(), 'gdeploy-set-image-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'api.yaml'), workload({ name: 'api', image: 'ignored:0' }));
    const fromFile = await c.gdeploy(['set-image', '-f', join(dir, 'api.yaml'), `api=${V1}`, '--no-wait']);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(fromFile.stdout, 'deployment.apps/api image updated\n');
    assert.equal((await c.must('deployment/worker')).spec.template.spec.containers[0].image, LATEST);
    const all = await c.gdeploy(['set-image', 'deploy', '--all', `*=${V1}`, '--no-wait']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'deployment.apps/worker image updated\n', 'api has the image already: nothing to do, nothing printed');
    assert.equal((await c.must('deployment/worker')).spec.template.spec.containers[0].image, V1);
  });

  test('an init container can be named alone', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(helloWorld(LATEST).replace('      containers:', '      initContainers:\n      - name: migrate\n        image: busybox:1.36\n      containers:'));
    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', 'migrate=busybox:1.37', '--no-wait']);
    assert.equal(r.code, 0, r.stderr);
    const spec = (await c.must('deployment/hello-world-flask')).spec.template.spec;
    assert.equal(spec.initContainers[0].image, 'busybox:1.37');
    assert.equal(spec.containers[0].image, LATEST);
  });

  test('-o json reports the image changes and the rollout as data', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(helloWorld(LATEST));
    await c.rolledOut('deployment/hello-world-flask');
    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${V1}`, '-o', 'json', '--timeout', '2m']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.kind, 'ImageUpdate');
    assert.deepEqual(doc.objects[0].images, [{ container: 'hello-world-flask', initContainer: false, from: LATEST, to: V1 }]);
    assert.equal(doc.rollout.outcome, 'done');
    const w = doc.rollout.workloads[0];
    assert.equal(w.subject, `Deployment/${c.ns}/hello-world-flask`);
    assert.equal(w.availability.requiredMinimum, 2);
    assert.ok(w.availability.minAvailable >= 2);
  });
});
