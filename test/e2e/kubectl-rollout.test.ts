// kubectl 1.32 against a cluster (or the sandbox), as the tutorial drives one:
// apply, rollout status, set image, get rs, rollout history and undo, a
// rollout stuck on an image that cannot be pulled, StatefulSet and DaemonSet
// rollouts, and kubectl logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunResult } from '../helpers/cli.js';
import { SKIP_WITHOUT_KUBECTL as skip, sharedCluster, type Cluster } from '../helpers/cluster.js';
import { LATEST, V1 } from './set-image-harness.js';

const APP = 'hello-world-flask';
const shared = sharedCluster({ sandbox: { readyDelayMs: 50, nodes: 2 } });

/** kubectl against the test's cluster, and `ok`: the same, failing the test unless it exits 0. */
function kubectlOf(c: Cluster): { kubectl: (args: string[], input?: string) => Promise<RunResult>; ok: (args: string[], input?: string) => Promise<string> } {
  return {
    kubectl: c.kubectl,
    async ok(args, input) {
      const r = await c.kubectl(args, input);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
      return r.stdout;
    },
  };
}

/** `kubectl get` output as rows of cells, header first. */
function rows(table: string): string[][] {
  return table.trim().split('\n').map((l) => l.trim().split(/\s+/));
}

test('apply, rollout status, set image, get rs, history and undo work as on a cluster', { skip }, async (t) => {
  const { ok } = kubectlOf(await shared.cluster(t));
  assert.match(await ok(['apply', '-f', 'examples/hello-world-flask/deployment.yaml']), /deployment.apps\/hello-world-flask created/);
  assert.match(await ok(['rollout', 'status', `deployment/${APP}`, '--timeout=60s']), /deployment "hello-world-flask" successfully rolled out/);

  await ok(['set', 'image', `deployment/${APP}`, `${APP}=lyzhang1999/hello-world-flask:v1`]);
  assert.match(await ok(['rollout', 'status', `deployment/${APP}`, '--timeout=60s']), /successfully rolled out/);

  const rs = rows(await ok(['get', 'rs']));
  assert.deepEqual(rs[0]!.slice(0, 4), ['NAME', 'DESIRED', 'CURRENT', 'READY']);
  const byRevision = new Map<string, string>();
  for (const name of rs.slice(1).map((r) => r[0]!)) {
    byRevision.set(await ok(['get', 'rs', name, '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']), name);
  }
  const desired = (name: string | undefined) => rs.find((r) => r[0] === name)?.[1];
  assert.equal(desired(byRevision.get('2')), '2', 'the new ReplicaSet runs 2');
  assert.equal(desired(byRevision.get('1')), '0', 'the old ReplicaSet runs none');

  const history = await ok(['rollout', 'history', `deployment/${APP}`]);
  assert.deepEqual(rows(history).slice(2).map((r) => r[0]), ['1', '2']);
  assert.match(await ok(['rollout', 'history', `deployment/${APP}`, '--revision=1']), /Image:\s+lyzhang1999\/hello-world-flask:latest/);

  assert.match(await ok(['rollout', 'undo', `deployment/${APP}`]), /rolled back/);
  await ok(['rollout', 'status', `deployment/${APP}`, '--timeout=60s']);
  assert.equal(await ok(['get', 'deployment', APP, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'lyzhang1999/hello-world-flask:latest');
  assert.deepEqual(rows(await ok(['rollout', 'history', `deployment/${APP}`])).slice(2).map((r) => r[0]), ['2', '3']);
});

test('an image that cannot be pulled: rollout status times out, get pods shows ImagePullBackOff', { skip }, async (t) => {
  const { kubectl, ok } = kubectlOf(await shared.cluster(t));
  await ok(['create', 'deployment', 'broken', '--image=lyzhang1999/hello-world-flask:latest', '--replicas=1']);
  await ok(['rollout', 'status', 'deployment/broken', '--timeout=60s']);
  await ok(['set', 'image', 'deployment/broken', 'hello-world-flask=registry.invalid/hello-world-flask:v2']);
  const status = await kubectl(['rollout', 'status', 'deployment/broken', '--timeout=5s']);
  assert.notEqual(status.code, 0);
  // On a slow machine the (scaled) 600 s progress deadline may pass first; both are failures kubectl reports.
  assert.match(status.stderr, /timed out waiting for the condition|deployment "broken" exceeded its progress deadline/);
  const pods = rows(await ok(['get', 'pods', '-l', 'app=broken']));
  const stuck = pods.find((r) => r[0]!.startsWith('broken-') && r[2] !== 'Running');
  assert.ok(stuck && ['ImagePullBackOff', 'ErrImagePull'].includes(stuck[2]!), pods.map((r) => r.join(' ')).join('\n'));
  assert.match(await ok(['describe', 'pod', stuck[0]!]), /Back-off pulling image "registry.invalid\/hello-world-flask:v2"|Failed to pull image "registry.invalid\/hello-world-flask:v2"/);
});

test('rollout status follows a StatefulSet and a DaemonSet', { skip }, async (t) => {
  const { ok } = kubectlOf(await shared.cluster(t));
  const manifests = `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: web }
spec:
  serviceName: web
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: '${LATEST}' }] }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec: { containers: [{ name: agent, image: '${LATEST}' }] }
`;
  await ok(['apply', '-f', '-'], manifests);
  // The API server defaults partition to 0, so kubectl reports a partitioned roll out, as on a cluster.
  assert.match(await ok(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 3 new pods have been updated/);
  assert.match(await ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s']), /daemon set "agent" successfully rolled out/);
  await ok(['set', 'image', 'statefulset/web', `web=${V1}`]);
  assert.match(await ok(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 3 new pods have been updated/);
  assert.equal(await ok(['get', 'statefulset', 'web', '-o', 'jsonpath={.status.currentRevision}']), await ok(['get', 'statefulset', 'web', '-o', 'jsonpath={.status.updateRevision}']));
  await ok(['set', 'image', 'daemonset/agent', `agent=${V1}`]);
  assert.match(await ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s']), /daemon set "agent" successfully rolled out/);
  assert.deepEqual(rows(await ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).map((r) => r[0]), ['pod/web-0', 'pod/web-1', 'pod/web-2']);
});

test('kubectl logs prints what the container wrote', { skip }, async (t) => {
  const { ok } = kubectlOf(await shared.cluster(t));
  await ok(['apply', '-f', 'examples/hello-world-flask/deployment.yaml']);
  await ok(['rollout', 'status', `deployment/${APP}`, '--timeout=60s']);
  const name = (await ok(['get', 'pods', '-l', `app=${APP}`, '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  // A container that is running has not necessarily written its first lines yet.
  const logs = await eventually(() => ok(['logs', name]), /Serving Flask app/);
  assert.match(logs, /Serving Flask app/);
  assert.match(await eventually(() => ok(['logs', `deployment/${APP}`, '--tail=1']), /Press CTRL\+C to quit|HTTP\/1.1/), /Press CTRL\+C to quit|HTTP\/1.1/);
});

/** What `read` returns once it matches `pattern`, or its last answer after a minute. */
async function eventually(read: () => Promise<string>, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 60_000;
  let text = await read();
  while (!pattern.test(text) && Date.now() < deadline) {
    await sleep(250);
    text = await read();
  }
  return text;
}
