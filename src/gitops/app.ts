// Which app a command means when --app is not given: the repository's name
// when there is a repository, else the one app with a history in the namespace.
import { GdeployError, UsageError } from '../engine/errors.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, inventoryName, validateAppName } from '../engine/inventory.js';
import type { Kube } from '../kube/types.js';

export function checkedApp(app: string): string {
  const invalid = validateAppName(app);
  if (invalid) throw new UsageError(invalid, 'pass --app NAME');
  return app;
}

export async function defaultApp(kube: Kube, signal?: AbortSignal): Promise<string> {
  const list = await kube.list({ apiVersion: 'v1', kind: 'ConfigMap' }, kube.namespace, {
    labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
    signal,
  });
  const prefix = inventoryName('');
  const apps = list.items
    .filter((cm) => (cm.metadata.name ?? '').startsWith(prefix) && typeof (cm.data as Record<string, unknown> | undefined)?.history === 'string')
    .map((cm) => cm.metadata.name!.slice(prefix.length))
    .sort();
  if (apps.length === 1) return apps[0]!;
  if (apps.length === 0) throw new GdeployError(`no app with a release history in namespace ${kube.namespace}`, { hint: 'pass --app NAME or -n NAMESPACE' });
  throw new UsageError(`namespace ${kube.namespace} has several apps: ${apps.join(', ')}`, 'pass --app NAME');
}
