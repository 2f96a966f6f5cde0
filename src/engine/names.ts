// Object and namespace names as the API server validates them, so that a name
// no server would take is refused with the file or flag it came from, before
// any request. Kinds gdeploy does not know get only the rule every object
// name obeys (it is a URL path segment); the server has the last word.
import { groupOf } from './changeset.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const LABEL_MAX = 63;
const SUBDOMAIN_MAX = 253;

type NameRule = (name: string) => string | undefined;

export function dns1123Label(name: string): string | undefined {
  if (name.length > LABEL_MAX) return `must be no more than ${LABEL_MAX} characters`;
  if (!DNS1123_LABEL.test(name)) {
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function dns1035Label(name: string): string | undefined {
  if (name.length > LABEL_MAX) return `must be no more than ${LABEL_MAX} characters`;
  if (!DNS1035_LABEL.test(name)) {
    return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
  }
  return undefined;
}

export function dns1123Subdomain(name: string): string | undefined {
  if (name.length > SUBDOMAIN_MAX) return `must be no more than ${SUBDOMAIN_MAX} characters`;
  if (!name.split('.').every((part) => DNS1123_LABEL.test(part))) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** What every object name must be: it becomes a segment of the object's URL. */
function pathSegment(name: string): string | undefined {
  if (name === '.' || name === '..') return `may not be '${name}'`;
  if (/[/%]/.test(name)) return "may not contain '/' or '%'";
  return undefined;
}

/** A CronJob's name plus 11 characters of suffix must still be a DNS-1035 label (its Jobs' names). */
function cronJobName(name: string): string | undefined {
  if (name.length > LABEL_MAX - 11) return `must be no more than ${LABEL_MAX - 11} characters`;
  return dns1123Subdomain(name);
}

// Keyed by group/Kind: a `Service` of another API group is not a core Service.
const NAME_RULES: Record<string, NameRule> = {
  '/Namespace': dns1123Label,
  '/Service': dns1035Label,
  '/Pod': dns1123Subdomain,
  '/ConfigMap': dns1123Subdomain,
  '/Secret': dns1123Subdomain,
  '/ServiceAccount': dns1123Subdomain,
  '/PersistentVolumeClaim': dns1123Subdomain,
  '/PersistentVolume': dns1123Subdomain,
  '/ReplicationController': dns1123Subdomain,
  '/LimitRange': dns1123Subdomain,
  '/ResourceQuota': dns1123Subdomain,
  'apps/Deployment': dns1123Subdomain,
  'apps/StatefulSet': dns1123Subdomain,
  'apps/DaemonSet': dns1123Subdomain,
  'apps/ReplicaSet': dns1123Subdomain,
  'batch/Job': dns1123Subdomain,
  'batch/CronJob': cronJobName,
  'networking.k8s.io/Ingress': dns1123Subdomain,
  'networking.k8s.io/NetworkPolicy': dns1123Subdomain,
  'autoscaling/HorizontalPodAutoscaler': dns1123Subdomain,
  'policy/PodDisruptionBudget': dns1123Subdomain,
  'storage.k8s.io/StorageClass': dns1123Subdomain,
};


/** Why `name` cannot name an object of this apiVersion and kind, or undefined when it can. */
export function objectNameProblem(apiVersion: string, kind: string, name: string): string | undefined {
  if (name === '') return 'must not be empty';
  const rule = NAME_RULES[`${groupOf(apiVersion)}/${kind}`];
  return pathSegment(name) ?? rule?.(name);
}

/** Why `namespace` cannot name a namespace, or undefined when it can. */
export function namespaceProblem(namespace: string): string | undefined {
  if (namespace === '') return 'must not be empty';
  return dns1123Label(namespace);
}
