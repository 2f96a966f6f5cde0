// kubectl's resource arguments: `TYPE NAME...`, `TYPE/NAME...`, or `TYPE[,TYPE]`
// with --all or -l. Types are matched by kind, plural, singular or short name,
// optionally qualified by group (`deployments.apps`).
import { UsageError } from './errors.js';
import { objectNameProblem } from './names.js';
import { groupOf } from './changeset.js';

export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
  shortNames: readonly string[];
}

// The built-in types gdeploy resolves without discovery. Custom resources are
// reached with -f, which names apiVersion and kind.
const BUILTIN: readonly ResourceType[] = [
  { apiVersion: 'v1', kind: 'Pod', plural: 'pods', shortNames: ['po'] },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', shortNames: ['svc'] },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', shortNames: [] },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', shortNames: ['sa'] },
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', shortNames: ['ns'] },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', shortNames: ['pvc'] },
  { apiVersion: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', shortNames: ['pv'] },
  { apiVersion: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', shortNames: ['rc'] },
  { apiVersion: 'v1', kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'] },
  { apiVersion: 'v1', kind: 'Node', plural: 'nodes', shortNames: ['no'] },
  { apiVersion: 'v1', kind: 'LimitRange', plural: 'limitranges', shortNames: ['limits'] },
  { apiVersion: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', shortNames: ['quota'] },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'] },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', shortNames: ['sts'] },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', shortNames: ['ds'] },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', shortNames: ['rs'] },
  { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', shortNames: [] },
  { apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', shortNames: ['cj'] },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', shortNames: ['ing'] },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies', shortNames: ['netpol'] },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', shortNames: ['hpa'] },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', shortNames: ['pdb'] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles', shortNames: [] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings', shortNames: [] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles', shortNames: [] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', shortNames: [] },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', plural: 'storageclasses', shortNames: ['sc'] },
  { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', shortNames: ['crd', 'crds'] },
];


/** Finds a type by any of its names; `deployments.apps` restricts the group. */
export function resourceType(arg: string): ResourceType | undefined {
  const lower = arg.toLowerCase();
  const matches = (t: ResourceType, name: string) =>
    name === t.kind.toLowerCase() || name === t.plural || t.shortNames.includes(name);
  for (const t of BUILTIN) {
    if (matches(t, lower)) return t;
    const group = groupOf(t.apiVersion);
    if (group && lower.endsWith(`.${group}`) && matches(t, lower.slice(0, -group.length - 1))) return t;
  }
  return undefined;
}

export interface ResourceSelection {
  /** Objects named explicitly. */
  named: { type: ResourceType; name: string }[];
  /** Types to list, with --all or -l. */
  listed: ResourceType[];
}

/**
 * Splits resource arguments the way kubectl's builder does. `selecting` is
 * true with --all or -l, where `TYPE[,TYPE]` alone is allowed.
 */
export function parseResourceArgs(args: string[], selecting: boolean): ResourceSelection {
  const lookup = (name: string): ResourceType => {
    const t = resourceType(name);
    if (!t) throw new UsageError(`the server doesn't have a resource type "${name}"`);
    return t;
  };
  if (args.length === 0) return { named: [], listed: [] };
  if (args.some((a) => a.includes('/'))) {
    if (selecting) throw new UsageError('names cannot be provided when a selector or --all is specified');
    return {
      listed: [],
      named: args.map((a) => {
        const slash = a.indexOf('/');
        const name = a.slice(slash + 1);
        if (slash <= 0 || !name || name.includes('/')) {
          throw new UsageError(`arguments in resource/name form must have a single resource and name: "${a}"`);
        }
        return named(lookup(a.slice(0, slash)), name);
      }),
    };
  }
  const [typeArg, ...names] = args as [string, ...string[]];
  const types = typeArg.split(',').filter(Boolean).map(lookup);
  if (types.length === 0) throw new UsageError(`"${typeArg}" names no resource type; use TYPE NAME or TYPE/NAME, such as deployment/web`);
  if (names.length === 0) {
    if (!selecting) throw new UsageError(`resource(s) were provided, but no name was specified`);
    return { named: [], listed: types };
  }
  if (selecting) throw new UsageError('names cannot be provided when a selector or --all is specified');
  if (types.length > 1) throw new UsageError(`names can only be given with a single resource type, not "${typeArg}"`);
  return { listed: [], named: names.map((name) => named(types[0]!, name)) };
}

/** A name no object of the type can have is a typo to report, not a "not found" to look up. */
function named(type: ResourceType, name: string): { type: ResourceType; name: string } {
  const why = objectNameProblem(type.apiVersion, type.kind, name);
  if (why) throw new UsageError(`invalid name "${name}" for ${type.plural}: ${why}`);
  return { type, name };
}
