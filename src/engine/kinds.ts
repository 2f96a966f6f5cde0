// The two kinds the cluster needs before it can take the rest, and what a CRD
// defines: asked by planning, staging, waiting and pruning alike.
import type { KubeObject } from '../kube/types.js';
import { groupOf } from './changeset.js';

const CRD_GROUP = 'apiextensions.k8s.io';

export const isNamespace = (o: { apiVersion: string; kind: string }): boolean => o.kind === 'Namespace' && o.apiVersion === 'v1';
export const isCRD = (o: { apiVersion: string; kind: string }): boolean =>
  o.kind === 'CustomResourceDefinition' && groupOf(o.apiVersion) === CRD_GROUP;

/** Objects the cluster needs before it can take the rest: they go first. */
export const isClusterStage = (o: { apiVersion: string; kind: string }): boolean => isNamespace(o) || isCRD(o);

/** The parts of a CRD's spec gdeploy reads. */
export interface CRDSpec {
  group?: string;
  scope?: string;
  names?: { kind?: string; plural?: string };
  versions?: Array<{ name?: string; served?: boolean; storage?: boolean }>;
  conversion?: { strategy?: string };
}

export function crdSpec(crd: KubeObject): CRDSpec {
  return (crd.spec ?? {}) as CRDSpec;
}

/** `group/Kind` of the objects a CRD defines. */
export function definedKind(crd: KubeObject): string {
  const spec = crdSpec(crd);
  return `${spec.group}/${spec.names?.kind}`;
}

/** `group/Kind` of an object, to compare with definedKind. */
export function kindOf(o: { apiVersion: string; kind: string }): string {
  return `${groupOf(o.apiVersion)}/${o.kind}`;
}
