// The scale subresource: an autoscaling/v1 Scale view of a workload's
// replicas, which `kubectl scale` and autoscalers read and write.
import { badRequest } from '../errors.js';
import { labelSelectorString, type LabelSelectorObject } from '../selectors.js';
import type { KubeObject } from '../types.js';

export function toScale(o: KubeObject): KubeObject {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: LabelSelectorObject };
  const status = (o.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: labelSelectorString(spec.selector) },
  };
}

/** The object a Scale write asks for: `live` with the Scale's replicas, conditional on the Scale's resourceVersion. */
export function fromScale(live: KubeObject, scale: KubeObject): KubeObject {
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== 'number') throw badRequest('the Scale has no spec.replicas');
  const out: KubeObject = { ...live, spec: { ...(live.spec as object), replicas } };
  if (scale.metadata?.resourceVersion) out.metadata = { ...live.metadata, resourceVersion: scale.metadata.resourceVersion };
  return out;
}
