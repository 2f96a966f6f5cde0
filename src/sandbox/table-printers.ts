// The columns of each kind's Table and how each cell is worded, after
// kubernetes/pkg/printers/internalversion/printers.go. The server always
// computes the wide columns (priority 1); kubectl shows them with -o wide.
import type { KubeObject, ResourceType } from './types.js';
import type { PrinterColumn } from './tables.js';
import { asArray, asRecord, evalJsonPath, formatLabels, formatLabelSelector, humanDuration, num, since, str, type Rec } from './table-format.js';

export interface PrintContext {
  now: number;
}

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority?: number;
  cell(obj: KubeObject, ctx: PrintContext): unknown;
}

/** The columns for `res`; custom resources use their CRD's printer columns. */
export function printerFor(res: ResourceType, printerColumns?: PrinterColumn[]): Column[] {
  const builtin = BY_KIND[`${res.group}/${res.kind}`];
  if (builtin) return builtin;
  if (printerColumns !== undefined || !isBuiltinGroup(res.group)) return customColumns(printerColumns);
  return [NAME, CREATED_AT];
}

const spec = (o: KubeObject): Rec => asRecord(o.spec);
const status = (o: KubeObject): Rec => asRecord(o.status);

function podSpecOf(o: KubeObject): Rec {
  return asRecord(asRecord(spec(o).template).spec);
}

function containerNames(podSpec: Rec): string {
  return asArray(podSpec.containers).map((c) => str(asRecord(c).name)).join(',');
}

function containerImages(podSpec: Rec): string {
  return asArray(podSpec.containers).map((c) => str(asRecord(c).image)).join(',');
}

function hasCondition(o: KubeObject, type: string): boolean {
  return asArray(status(o).conditions).some((c) => asRecord(c).type === type && asRecord(c).status === 'True');
}

// ---- column building blocks --------------------------------------------

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, cell: (o) => o.metadata.name ?? '' };
const AGE: Column = { name: 'Age', type: 'string', description: AGE_DESCRIPTION, cell: (o, ctx) => since(o.metadata.creationTimestamp, ctx.now) };
// RFC 3339 in UTC, without fractional seconds, as Go's time.RFC3339 formats it.
const CREATED_AT: Column = {
  name: 'Created At',
  type: 'date',
  description: AGE_DESCRIPTION,
  cell: (o) => {
    const t = Date.parse(o.metadata.creationTimestamp ?? '');
    return Number.isNaN(t) ? '' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  },
};

const col = (name: string, type: Column['type'], description: string, cell: Column['cell'], priority = 0): Column => ({
  name,
  type,
  description,
  priority,
  cell,
});

const CONTAINERS = (pod: (o: KubeObject) => Rec): Column =>
  col('Containers', 'string', 'Names of each container in the template.', (o) => containerNames(pod(o)), 1);
const IMAGES = (pod: (o: KubeObject) => Rec): Column =>
  col('Images', 'string', 'Images referenced by each container in the template.', (o) => containerImages(pod(o)), 1);
const SELECTOR = (get: (o: KubeObject) => unknown, description = 'Label selector for pods.'): Column =>
  col('Selector', 'string', description, (o) => formatLabelSelector(get(o)), 1);

// ---- per kind ------------------------------------------------------------

const deployment: Column[] = [
  NAME,
  col('Ready', 'string', 'Number of the pod with ready state', (o) => `${num(status(o).readyReplicas)}/${num(spec(o).replicas)}`),
  col('Up-to-date', 'integer', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', (o) => num(status(o).updatedReplicas)),
  col('Available', 'integer', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', (o) => num(status(o).availableReplicas)),
  AGE,
  CONTAINERS(podSpecOf),
  IMAGES(podSpecOf),
  SELECTOR((o) => spec(o).selector),
];

const replicaSet: Column[] = [
  NAME,
  col('Desired', 'integer', 'Number of desired pods.', (o) => num(spec(o).replicas)),
  col('Current', 'integer', 'Number of actual replicas.', (o) => num(status(o).replicas)),
  col('Ready', 'integer', 'The number of ready replicas for this replica set.', (o) => num(status(o).readyReplicas)),
  AGE,
  CONTAINERS(podSpecOf),
  IMAGES(podSpecOf),
  SELECTOR((o) => spec(o).selector),
];

const statefulSet: Column[] = [
  NAME,
  col('Ready', 'string', 'Number of the pod with ready state', (o) => `${num(status(o).readyReplicas)}/${num(spec(o).replicas)}`),
  AGE,
  CONTAINERS(podSpecOf),
  IMAGES(podSpecOf),
];

const daemonSet: Column[] = [
  NAME,
  col('Desired', 'integer', 'The desired number of nodes that should be running the daemon pod.', (o) => num(status(o).desiredNumberScheduled)),
  col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', (o) => num(status(o).currentNumberScheduled)),
  col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', (o) => num(status(o).numberReady)),
  col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod', (o) => num(status(o).updatedNumberScheduled)),
  col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', (o) => num(status(o).numberAvailable)),
  col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.', (o) => formatLabels(podSpecOf(o).nodeSelector)),
  AGE,
  CONTAINERS(podSpecOf),
  IMAGES(podSpecOf),
  SELECTOR((o) => spec(o).selector),
];

function jobStatus(o: KubeObject): string {
  if (hasCondition(o, 'Complete')) return 'Complete';
  if (hasCondition(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(o, 'Suspended')) return 'Suspended';
  if (hasCondition(o, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(o, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function jobCompletions(o: KubeObject): string {
  const s = spec(o);
  const succeeded = num(status(o).succeeded);
  if (typeof s.completions === 'number') return `${succeeded}/${s.completions}`;
  const parallelism = num(s.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: KubeObject, ctx: PrintContext): string {
  const start = Date.parse(str(status(o).startTime));
  if (Number.isNaN(start)) return '';
  const end = Date.parse(str(status(o).completionTime));
  return humanDuration((Number.isNaN(end) ? ctx.now : end) - start);
}

const job: Column[] = [
  NAME,
  col('Status', 'string', 'Status of the job.', jobStatus),
  col('Completions', 'string', 'The completion status of the job.', jobCompletions),
  col('Duration', 'string', 'Time required to complete the job.', jobDuration),
  AGE,
  CONTAINERS(podSpecOf),
  IMAGES(podSpecOf),
  SELECTOR((o) => spec(o).selector),
];

const cronJobPod = (o: KubeObject): Rec => asRecord(asRecord(asRecord(asRecord(spec(o).jobTemplate).spec).template).spec);

const cronJob: Column[] = [
  NAME,
  col('Schedule', 'string', 'The schedule in Cron format.', (o) => str(spec(o).schedule)),
  col('Timezone', 'string', 'The time zone name for the given schedule.', (o) => str(spec(o).timeZone) || '<none>'),
  col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.', (o) => (spec(o).suspend === true ? 'True' : 'False')),
  col('Active', 'integer', 'The number of currently running jobs.', (o) => asArray(status(o).active).length),
  col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.', (o, ctx) =>
    status(o).lastScheduleTime ? since(status(o).lastScheduleTime, ctx.now) : '<none>',
  ),
  AGE,
  CONTAINERS(cronJobPod),
  IMAGES(cronJobPod),
  SELECTOR((o) => asRecord(asRecord(spec(o).jobTemplate).spec).selector),
];

/** The STATUS column of `kubectl get pods`, as printPod words it. */
export function podStatusReason(pod: KubeObject): string {
  const st = status(pod);
  const sp = spec(pod);
  const phase = str(st.phase);
  let reason = str(st.reason) || phase;
  for (const c of asArray(st.conditions).map(asRecord)) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initSpecs = new Map(asArray(sp.initContainers).map((c) => [str(asRecord(c).name), asRecord(c)]));
  const restartable = (name: string): boolean => initSpecs.get(name)?.restartPolicy === 'Always';

  let initializing = false;
  const initStatuses = asArray(st.initContainerStatuses).map(asRecord);
  for (const [i, c] of initStatuses.entries()) {
    const state = asRecord(c.state);
    const terminated = state.terminated === undefined ? undefined : asRecord(state.terminated);
    const waiting = state.waiting === undefined ? undefined : asRecord(state.waiting);
    if (terminated && num(terminated.exitCode) === 0) continue;
    if (restartable(str(c.name)) && c.started === true) continue;
    if (terminated) {
      const r = str(terminated.reason);
      reason = r
        ? `Init:${r}`
        : num(terminated.signal) !== 0
          ? `Init:Signal:${num(terminated.signal)}`
          : `Init:ExitCode:${num(terminated.exitCode)}`;
    } else if (waiting && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.size}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = asArray(st.conditions).some((c) => asRecord(c).type === 'Initialized' && asRecord(c).status === 'True');
  if (!initializing || initializedTrue) {
    let hasRunning = false;
    const statuses = asArray(st.containerStatuses).map(asRecord);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      const state = asRecord(c.state);
      const waiting = state.waiting === undefined ? undefined : asRecord(state.waiting);
      const terminated = state.terminated === undefined ? undefined : asRecord(state.terminated);
      if (waiting && str(waiting.reason) !== '') reason = str(waiting.reason);
      else if (terminated && str(terminated.reason) !== '') reason = str(terminated.reason);
      else if (terminated) reason = num(terminated.signal) !== 0 ? `Signal:${num(terminated.signal)}` : `ExitCode:${num(terminated.exitCode)}`;
      else if (c.ready === true && state.running !== undefined) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  const terminal = phase === 'Succeeded' || phase === 'Failed';
  if (pod.metadata.deletionTimestamp && st.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';
  return reason;
}

function podReady(pod: KubeObject): string {
  const sp = spec(pod);
  const st = status(pod);
  let total = asArray(sp.containers).length;
  let ready = 0;
  const sidecars = new Set(
    asArray(sp.initContainers)
      .map(asRecord)
      .filter((c) => c.restartPolicy === 'Always')
      .map((c) => str(c.name)),
  );
  total += sidecars.size;
  for (const c of asArray(st.initContainerStatuses).map(asRecord)) {
    if (sidecars.has(str(c.name)) && c.started === true && c.ready === true) ready++;
  }
  for (const c of asArray(st.containerStatuses).map(asRecord)) {
    if (c.ready === true && asRecord(c.state).running !== undefined) ready++;
  }
  return `${ready}/${total}`;
}

function podRestarts(pod: KubeObject, ctx: PrintContext): string {
  const st = status(pod);
  let restarts = 0;
  let last = 0;
  for (const c of [...asArray(st.initContainerStatuses), ...asArray(st.containerStatuses)].map(asRecord)) {
    restarts += num(c.restartCount);
    const finished = Date.parse(str(asRecord(asRecord(c.lastState).terminated).finishedAt));
    if (!Number.isNaN(finished) && finished > last) last = finished;
  }
  return restarts !== 0 && last !== 0 ? `${restarts} (${humanDuration(ctx.now - last)} ago)` : String(restarts);
}

function readinessGates(pod: KubeObject): string {
  const gates = asArray(spec(pod).readinessGates).map(asRecord);
  if (gates.length === 0) return '<none>';
  const conditions = asArray(status(pod).conditions).map(asRecord);
  const ok = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${ok}/${gates.length}`;
}

const pod: Column[] = [
  NAME,
  col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.', podReady),
  col('Status', 'string', 'The aggregate status of the containers in this pod.', podStatusReason),
  col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.', podRestarts),
  AGE,
  col('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', (o) => str(asRecord(asArray(status(o).podIPs)[0]).ip) || str(status(o).podIP) || '<none>', 1),
  col('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.', (o) => str(spec(o).nodeName) || '<none>', 1),
  col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', (o) => str(status(o).nominatedNodeName) || '<none>', 1),
  col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', readinessGates, 1),
];

function servicePorts(o: KubeObject): string {
  const ports = asArray(spec(o).ports).map(asRecord);
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => {
      const protocol = str(p.protocol) || 'TCP';
      return p.nodePort ? `${num(p.port)}:${num(p.nodePort)}/${protocol}` : `${num(p.port)}/${protocol}`;
    })
    .join(',');
}

function serviceExternalIp(o: KubeObject): string {
  const s = spec(o);
  const external = asArray(s.externalIPs).map(String);
  switch (s.type) {
    case 'ExternalName':
      return str(s.externalName);
    case 'LoadBalancer': {
      const ingress = asArray(asRecord(status(o).loadBalancer).ingress)
        .map(asRecord)
        .map((i) => str(i.ip) || str(i.hostname))
        .filter((x) => x !== '');
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    default:
      return external.length > 0 ? external.join(',') : '<none>';
  }
}

const service: Column[] = [
  NAME,
  col('Type', 'string', 'type determines how the Service is exposed.', (o) => str(spec(o).type) || 'ClusterIP'),
  col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.', (o) => str(spec(o).clusterIP) || '<none>'),
  col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.', serviceExternalIp),
  col('Port(s)', 'string', 'The list of ports that are exposed by this service.', servicePorts),
  AGE,
  col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', (o) => formatLabels(spec(o).selector), 1),
];

function endpointsSummary(o: KubeObject): string {
  const list: string[] = [];
  let total = 0;
  for (const subset of asArray(o.subsets).map(asRecord)) {
    const ports = asArray(subset.ports).map(asRecord);
    for (const a of asArray(subset.addresses).map(asRecord)) {
      if (ports.length === 0) {
        total++;
        if (list.length < 3) list.push(str(a.ip));
        continue;
      }
      for (const p of ports) {
        total++;
        if (list.length < 3) list.push(`${str(a.ip)}:${num(p.port)}`);
      }
    }
  }
  if (total === 0) return '<none>';
  return total > list.length ? `${list.join(',')} + ${total - list.length} more...` : list.join(',');
}

function eventLastSeen(o: KubeObject, ctx: PrintContext): string {
  const series = asRecord(o.series);
  if (series.lastObservedTime) return since(series.lastObservedTime, ctx.now);
  return since(o.lastTimestamp || o.eventTime, ctx.now);
}

function eventSource(o: KubeObject): string {
  const src = asRecord(o.source);
  const component = str(src.component) || str(o.reportingComponent);
  const host = str(src.host) || str(o.reportingInstance);
  return host ? `${component}, ${host}` : component;
}

const event: Column[] = [
  col('Last Seen', 'string', 'The last time this event occurred.', eventLastSeen),
  col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future.', (o) => str(o.type)),
  col('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.', (o) => str(o.reason)),
  col('Object', 'string', 'The object that this event is about.', (o) => {
    const io = asRecord(o.involvedObject);
    return `${str(io.kind).toLowerCase()}/${str(io.name)}`;
  }),
  col('Subobject', 'string', 'The subobject that this event is about.', (o) => str(asRecord(o.involvedObject).fieldPath), 1),
  col('Source', 'string', 'The component reporting this event.', eventSource, 1),
  col('Message', 'string', 'A human-readable description of the status of this operation.', (o) => str(o.message)),
  col('First Seen', 'string', 'The first time this event occurred.', (o, ctx) => since(o.firstTimestamp || o.eventTime, ctx.now), 1),
  col('Count', 'integer', 'The number of times this event has occurred.', (o) => num(asRecord(o.series).count) || num(o.count), 1),
  col('Name', 'string', NAME_DESCRIPTION, (o) => o.metadata.name ?? '', 1),
];

function ingressHosts(o: KubeObject): string {
  const hosts = asArray(spec(o).rules).map((r) => str(asRecord(r).host) || '*');
  if (hosts.length === 0) return '*';
  return hosts.length > 4 ? `${hosts.slice(0, 4).join(',')} + ${hosts.length - 4} more...` : hosts.join(',');
}

const ingress: Column[] = [
  NAME,
  col('Class', 'string', 'The name of the IngressClass resource that should be used for this Ingress.', (o) => str(spec(o).ingressClassName) || '<none>'),
  col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule', ingressHosts),
  col('Address', 'string', 'Address is a list containing ingress points for the load-balancer', (o) =>
    asArray(asRecord(status(o).loadBalancer).ingress)
      .map(asRecord)
      .map((i) => str(i.ip) || str(i.hostname))
      .join(','),
  ),
  col('Ports', 'string', 'Ports of TLS configurations that open', (o) => (asArray(spec(o).tls).length > 0 ? '80, 443' : '80')),
  AGE,
];

function nodeStatus(o: KubeObject): string {
  const ready = asArray(status(o).conditions)
    .map(asRecord)
    .find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown'];
  if (spec(o).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '')
    .sort();
  return roles.length === 0 ? '<none>' : roles.join(',');
}

function nodeAddress(o: KubeObject, type: string): string {
  const a = asArray(status(o).addresses)
    .map(asRecord)
    .find((x) => x.type === type);
  return a ? str(a.address) : '<none>';
}

const nodeInfo = (o: KubeObject): Rec => asRecord(status(o).nodeInfo);

const node: Column[] = [
  NAME,
  col('Status', 'string', 'The status of the node', nodeStatus),
  col('Roles', 'string', 'The roles of the node', nodeRoles),
  AGE,
  col('Version', 'string', 'Kubelet Version reported by the node.', (o) => str(nodeInfo(o).kubeletVersion)),
  col('Internal-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', (o) => nodeAddress(o, 'InternalIP'), 1),
  col('External-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', (o) => nodeAddress(o, 'ExternalIP'), 1),
  col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', (o) => str(nodeInfo(o).osImage) || '<unknown>', 1),
  col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", (o) => str(nodeInfo(o).kernelVersion) || '<unknown>', 1),
  col('Container-Runtime', 'string', 'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).', (o) => str(nodeInfo(o).containerRuntimeVersion) || '<unknown>', 1),
];

function controllerOf(o: KubeObject): string {
  const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (!owner) return '<none>';
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0]! : '';
  return `${owner.kind.toLowerCase()}${group ? '.' + group : ''}/${owner.name}`;
}

const BY_KIND: Record<string, Column[]> = {
  'apps/Deployment': deployment,
  'apps/ReplicaSet': replicaSet,
  'apps/StatefulSet': statefulSet,
  'apps/DaemonSet': daemonSet,
  'apps/ControllerRevision': [
    NAME,
    col('Controller', 'string', 'Controller of the object', controllerOf),
    col('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.', (o) => num(o.revision)),
    AGE,
  ],
  'batch/Job': job,
  'batch/CronJob': cronJob,
  '/Pod': pod,
  '/Namespace': [NAME, col('Status', 'string', 'The status of the namespace', (o) => str(status(o).phase)), AGE],
  '/ConfigMap': [NAME, col('Data', 'integer', 'Data contains the configuration data.', (o) => Object.keys(asRecord(o.data)).length + Object.keys(asRecord(o.binaryData)).length), AGE],
  '/Secret': [
    NAME,
    col('Type', 'string', 'The type of the secret', (o) => str(o.type) || 'Opaque'),
    col('Data', 'integer', 'Data contains the secret data.', (o) => Object.keys(asRecord(o.data)).length),
    AGE,
  ],
  '/ServiceAccount': [NAME, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', (o) => asArray(o.secrets).length), AGE],
  '/Service': service,
  '/Endpoints': [NAME, col('Endpoints', 'string', 'Endpoints is the list of endpoints in this service', endpointsSummary), AGE],
  '/Event': event,
  '/Node': node,
  '/PersistentVolumeClaim': [
    NAME,
    col('Status', 'string', 'Status of the claim', (o) => (o.metadata.deletionTimestamp ? 'Terminating' : str(status(o).phase))),
    col('Volume', 'string', 'The volume bound to this claim', (o) => str(spec(o).volumeName)),
    col('Capacity', 'string', 'The actual resources of the volume', (o) => str(asRecord(status(o).capacity).storage)),
    col('Access Modes', 'string', 'The access modes of the volume', (o) => asArray(status(o).accessModes).map((m) => ACCESS_MODES[String(m)] ?? String(m)).join(',')),
    col('StorageClass', 'string', 'The storage class of the claim', (o) => str(spec(o).storageClassName)),
    col('VolumeAttributesClass', 'string', 'The volume attributes class of the claim', (o) => str(spec(o).volumeAttributesClassName) || '<unset>'),
    AGE,
    col('VolumeMode', 'string', 'The volume mode of the claim', (o) => str(spec(o).volumeMode) || 'Filesystem', 1),
  ],
  'networking.k8s.io/Ingress': ingress,
  'coordination.k8s.io/Lease': [NAME, col('Holder', 'string', 'The holder of the lease', (o) => str(spec(o).holderIdentity)), AGE],
  'apiextensions.k8s.io/CustomResourceDefinition': [NAME, CREATED_AT],
};

const ACCESS_MODES: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

function isBuiltinGroup(group: string): boolean {
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

// ---- custom resources --------------------------------------------------------

function customColumns(printerColumns: PrinterColumn[] | undefined): Column[] {
  // A CRD version without printer columns prints NAME and AGE.
  const defs = printerColumns?.length ? printerColumns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];
  return [
    NAME,
    ...defs.map((d): Column => {
      const type: Column['type'] = d.type === 'integer' || d.type === 'number' || d.type === 'boolean' || d.type === 'date' ? d.type : 'string';
      return {
        name: d.name,
        type,
        ...(d.format ? { format: d.format } : {}),
        description: d.description ?? '',
        priority: d.priority ?? 0,
        cell: (o, ctx) => {
          const values = evalJsonPath(o, d.jsonPath);
          if (values.length === 0) return null;
          const v = values[0];
          if (type === 'date') return since(v, ctx.now);
          if (typeof v === 'object' && v !== null) return JSON.stringify(v);
          return values.length === 1 ? v : values.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',');
        },
      };
    }),
  ];
}
