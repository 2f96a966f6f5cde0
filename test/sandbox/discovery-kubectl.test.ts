// Discovery as a v1.32 kube-apiserver serves it with its default API groups:
// `kubectl api-resources` lists the same resources, short names, verbs and
// categories, and each stored resource carries the server's storageVersionHash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crdManifest, SKIP_WITHOUT_KUBECTL as skip, useKubectlSandbox } from '../helpers/sandbox-kubectl.js';

const { ok, applyCrd } = useKubectlSandbox();

const RW = 'create,delete,deletecollection,get,list,patch,update,watch';

/** NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND, VERBS, CATEGORIES of a real v1.32 cluster. */
const REAL_V1_32 = `
bindings||v1|true|Binding|create|
componentstatuses|cs|v1|false|ComponentStatus|get,list|
configmaps|cm|v1|true|ConfigMap|${RW}|
endpoints|ep|v1|true|Endpoints|${RW}|
events|ev|v1|true|Event|${RW}|
limitranges|limits|v1|true|LimitRange|${RW}|
namespaces|ns|v1|false|Namespace|create,delete,get,list,patch,update,watch|
nodes|no|v1|false|Node|${RW}|
persistentvolumeclaims|pvc|v1|true|PersistentVolumeClaim|${RW}|
persistentvolumes|pv|v1|false|PersistentVolume|${RW}|
pods|po|v1|true|Pod|${RW}|all
podtemplates||v1|true|PodTemplate|${RW}|
replicationcontrollers|rc|v1|true|ReplicationController|${RW}|all
resourcequotas|quota|v1|true|ResourceQuota|${RW}|
secrets||v1|true|Secret|${RW}|
serviceaccounts|sa|v1|true|ServiceAccount|${RW}|
services|svc|v1|true|Service|${RW}|all
mutatingwebhookconfigurations||admissionregistration.k8s.io/v1|false|MutatingWebhookConfiguration|${RW}|api-extensions
validatingadmissionpolicies||admissionregistration.k8s.io/v1|false|ValidatingAdmissionPolicy|${RW}|api-extensions
validatingadmissionpolicybindings||admissionregistration.k8s.io/v1|false|ValidatingAdmissionPolicyBinding|${RW}|api-extensions
validatingwebhookconfigurations||admissionregistration.k8s.io/v1|false|ValidatingWebhookConfiguration|${RW}|api-extensions
customresourcedefinitions|crd,crds|apiextensions.k8s.io/v1|false|CustomResourceDefinition|${RW}|api-extensions
apiservices||apiregistration.k8s.io/v1|false|APIService|${RW}|api-extensions
controllerrevisions||apps/v1|true|ControllerRevision|${RW}|
daemonsets|ds|apps/v1|true|DaemonSet|${RW}|all
deployments|deploy|apps/v1|true|Deployment|${RW}|all
replicasets|rs|apps/v1|true|ReplicaSet|${RW}|all
statefulsets|sts|apps/v1|true|StatefulSet|${RW}|all
selfsubjectreviews||authentication.k8s.io/v1|false|SelfSubjectReview|create|
tokenreviews||authentication.k8s.io/v1|false|TokenReview|create|
localsubjectaccessreviews||authorization.k8s.io/v1|true|LocalSubjectAccessReview|create|
selfsubjectaccessreviews||authorization.k8s.io/v1|false|SelfSubjectAccessReview|create|
selfsubjectrulesreviews||authorization.k8s.io/v1|false|SelfSubjectRulesReview|create|
subjectaccessreviews||authorization.k8s.io/v1|false|SubjectAccessReview|create|
horizontalpodautoscalers|hpa|autoscaling/v2|true|HorizontalPodAutoscaler|${RW}|all
cronjobs|cj|batch/v1|true|CronJob|${RW}|all
jobs||batch/v1|true|Job|${RW}|all
certificatesigningrequests|csr|certificates.k8s.io/v1|false|CertificateSigningRequest|${RW}|
leases||coordination.k8s.io/v1|true|Lease|${RW}|
endpointslices||discovery.k8s.io/v1|true|EndpointSlice|${RW}|
events|ev|events.k8s.io/v1|true|Event|${RW}|
flowschemas||flowcontrol.apiserver.k8s.io/v1|false|FlowSchema|${RW}|
prioritylevelconfigurations||flowcontrol.apiserver.k8s.io/v1|false|PriorityLevelConfiguration|${RW}|
ingressclasses||networking.k8s.io/v1|false|IngressClass|${RW}|
ingresses|ing|networking.k8s.io/v1|true|Ingress|${RW}|
networkpolicies|netpol|networking.k8s.io/v1|true|NetworkPolicy|${RW}|
runtimeclasses||node.k8s.io/v1|false|RuntimeClass|${RW}|
poddisruptionbudgets|pdb|policy/v1|true|PodDisruptionBudget|${RW}|
clusterrolebindings||rbac.authorization.k8s.io/v1|false|ClusterRoleBinding|${RW}|
clusterroles||rbac.authorization.k8s.io/v1|false|ClusterRole|${RW}|
rolebindings||rbac.authorization.k8s.io/v1|true|RoleBinding|${RW}|
roles||rbac.authorization.k8s.io/v1|true|Role|${RW}|
priorityclasses|pc|scheduling.k8s.io/v1|false|PriorityClass|${RW}|
csidrivers||storage.k8s.io/v1|false|CSIDriver|${RW}|
csinodes||storage.k8s.io/v1|false|CSINode|${RW}|
csistoragecapacities||storage.k8s.io/v1|true|CSIStorageCapacity|${RW}|
storageclasses|sc|storage.k8s.io/v1|false|StorageClass|${RW}|
volumeattachments||storage.k8s.io/v1|false|VolumeAttachment|${RW}|
`.trim();

/** kubectl's table cut at its header's column starts (cells may be empty). */
function columns(table: string): string[][] {
  const [header = '', ...rows] = table.trimEnd().split('\n');
  const starts = [...header.matchAll(/\S+/g)].map((m) => m.index!);
  return rows.map((row) => starts.map((s, i) => row.slice(s, starts[i + 1] ?? row.length).trim()));
}

async function resourcesOf(group: string, version: string): Promise<{ name: string; kind: string; storageVersionHash?: string }[]> {
  const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return JSON.parse(await ok(['get', '--raw', path])).resources;
}

test('kubectl api-resources lists what a real v1.32 server serves', { skip }, async () => {
  const rows = columns(await ok(['api-resources', '-o', 'wide']));
  assert.deepEqual(rows.map((r) => r.join('|')), REAL_V1_32.split('\n'));
  const groups = JSON.parse(await ok(['get', '--raw', '/apis'])).groups.map((g: { name: string; preferredVersion: { version: string } }) => `${g.name}/${g.preferredVersion.version}`);
  assert.deepEqual(groups, [
    'apiregistration.k8s.io/v1', 'apps/v1', 'events.k8s.io/v1', 'authentication.k8s.io/v1', 'authorization.k8s.io/v1', 'autoscaling/v2',
    'batch/v1', 'certificates.k8s.io/v1', 'networking.k8s.io/v1', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'storage.k8s.io/v1',
    'admissionregistration.k8s.io/v1', 'apiextensions.k8s.io/v1', 'scheduling.k8s.io/v1', 'coordination.k8s.io/v1', 'node.k8s.io/v1',
    'discovery.k8s.io/v1', 'flowcontrol.apiserver.k8s.io/v1',
  ]);
  assert.deepEqual((await ok(['api-versions'])).includes('autoscaling/v1\n'), true);
});

test('discovery carries each stored resource\'s storageVersionHash', { skip }, async () => {
  const hashes = (list: { name: string; storageVersionHash?: string }[]) => Object.fromEntries(list.map((r) => [r.name, r.storageVersionHash]));
  const core = hashes(await resourcesOf('', 'v1'));
  // Values a real v1.32 server reports.
  assert.equal(core.pods, 'xPOwRZ+Yhw8=');
  assert.equal(core.configmaps, 'qFsyl6wFWjQ=');
  assert.equal(core.secrets, 'S6u1pOWzb84=');
  assert.equal(core.namespaces, 'Q3oi5N2YM8M=');
  assert.equal(core.services, '0/CO1lhkEBI=');
  assert.equal(core.events, 'r2yiGXH7wu8=');
  assert.equal(core.persistentvolumes, 'HN/zwEC+JgM=');
  // Nothing stored, no hash; subresources have none either.
  assert.equal(core.bindings, undefined);
  assert.equal(core.componentstatuses, undefined);
  assert.equal(core['pods/status'], undefined);
  assert.equal(hashes(await resourcesOf('apps', 'v1')).deployments, '8aSe+NMegvE=');
  // events.k8s.io Events are stored as core Events; both autoscaling versions as v2.
  assert.equal(hashes(await resourcesOf('events.k8s.io', 'v1')).events, 'r2yiGXH7wu8=');
  const hpa = hashes(await resourcesOf('autoscaling', 'v2')).horizontalpodautoscalers;
  assert.equal(hashes(await resourcesOf('autoscaling', 'v1')).horizontalpodautoscalers, hpa);
  assert.equal(hpa, 'qwQve8ut294=');
  assert.equal(hashes(await resourcesOf('authorization.k8s.io', 'v1')).selfsubjectaccessreviews, undefined);

  await applyCrd(crdManifest({ group: 'example.com', kind: 'Widget', plural: 'widgets', specProperties: {} }));
  const expected = createHash('sha256').update('example.com/v1/Widget').digest().subarray(0, 8).toString('base64');
  assert.equal(hashes(await resourcesOf('example.com', 'v1')).widgets, expected);

  const kinds = Object.fromEntries((await resourcesOf('', 'v1')).map((r) => [r.name, r.kind]));
  assert.deepEqual([kinds['pods/proxy'], kinds['services/proxy'], kinds['nodes/proxy']], ['PodProxyOptions', 'ServiceProxyOptions', 'NodeProxyOptions']);
});
