// The one place an object is written to the cluster, by either verb a deploy
// can use (see WriteVerb): planning writes as a dry run, applying for real,
// putting back with the same verb.
import type { Kube, KubeObject } from '../kube/types.js';
import type { WriteVerb } from './types.js';

export const DEFAULT_FIELD_MANAGER = 'gdeploy';

export interface WriteOptions {
  write?: WriteVerb;
  dryRun?: boolean;
  /** Server-side apply only: take over fields other managers own. */
  force?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
}

export function writeObject(kube: Kube, obj: KubeObject, opts: WriteOptions): Promise<KubeObject> {
  const common = { dryRun: opts.dryRun, fieldManager: opts.fieldManager ?? DEFAULT_FIELD_MANAGER, signal: opts.signal };
  return opts.write === 'update' ? kube.update(obj, common) : kube.apply(obj, { ...common, force: opts.force });
}
