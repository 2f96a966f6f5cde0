// What the registry strategies (kubernetes/pkg/registry/*/strategy.go, and the
// custom resource strategy of apiextensions-apiserver) do to a write before it
// is stored: metadata.generation, a DaemonSet's template generation, and what
// a /status write may change. Every write path (create, PUT, each PATCH type,
// server-side apply, the scale subresource) reaches the store's create or
// update, which call these: generation moves in this one place.
import { semanticEqual } from './semantic.js';
import type { KubeObject } from './types.js';

/** The apps/v1 face of a DaemonSet's internal spec.templateGeneration. */
export const TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

export interface StrategyKind {
  group: string;
  kind: string;
  /** A custom resource (unstructured content), not a built-in Go type. */
  custom: boolean;
  /** The kind tracks metadata.generation. */
  generation: boolean;
}

const isDaemonSet = (k: StrategyKind) => !k.custom && k.group === 'apps' && k.kind === 'DaemonSet';
const isDeployment = (k: StrategyKind) => !k.custom && k.group === 'apps' && k.kind === 'Deployment';

/** Everything but metadata: a custom resource's content, or a built-in's spec (status never changes generation). */
function content(k: StrategyKind, o: KubeObject): Record<string, unknown> {
  const { metadata: _m, apiVersion: _a, kind: _k, status, ...rest } = o;
  return k.custom ? { ...rest, status } : rest;
}

function templateGeneration(o: KubeObject): number {
  const n = Number(o.metadata.annotations?.[TEMPLATE_GENERATION]);
  return Number.isInteger(n) ? n : 0;
}

function setTemplateGeneration(o: KubeObject, n: number): void {
  o.metadata.annotations = { ...o.metadata.annotations, [TEMPLATE_GENERATION]: String(n) };
}

/** PrepareForCreate: generation 1; a DaemonSet's template generation at least 1. */
export function prepareForCreate(k: StrategyKind, o: KubeObject): void {
  if (k.generation) o.metadata.generation = 1;
  else delete o.metadata.generation;
  if (isDaemonSet(k)) setTemplateGeneration(o, Math.max(1, templateGeneration(o)));
}

/**
 * PrepareForUpdate of the main resource: generation goes up by one when the
 * write changes what the kind's strategy counts, whatever the write path.
 * `next` carries the stored generation already.
 */
export function prepareForUpdate(k: StrategyKind, existing: KubeObject, next: KubeObject): void {
  const before = existing.metadata.generation ?? 0;
  if (isDaemonSet(k)) {
    // The template generation cannot be set by a client, only moved by a template change.
    const spec = (o: KubeObject) => (o.spec ?? {}) as { template?: unknown };
    let tg = templateGeneration(existing);
    if (!semanticEqual(spec(existing).template, spec(next).template, true)) {
      tg++;
      next.metadata.generation = before + 1;
    } else if (!semanticEqual(spec(existing), spec(next), true)) {
      next.metadata.generation = before + 1;
    }
    setTemplateGeneration(next, tg);
    return;
  }
  if (!k.generation) return;
  let changed = !semanticEqual(content(k, existing), content(k, next), !k.custom);
  // Annotations are copied to the Deployment's ReplicaSets, so they count as desired state too.
  if (isDeployment(k)) changed ||= !semanticEqual(existing.metadata.annotations, next.metadata.annotations, true);
  if (changed) next.metadata.generation = before + 1;
}

/**
 * Whether a /status write takes the request's metadata along with .status: the
 * status strategies of these kinds reset only the spec. Custom resources and
 * the other built-ins take .status alone.
 */
export function statusWriteTakesMetadata(k: StrategyKind): boolean {
  return !k.custom && k.group === 'apps' && ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(k.kind);
}

/** PrepareForUpdate of the status strategy, over a `next` that took the request's metadata. */
export function prepareForStatusUpdate(k: StrategyKind, existing: KubeObject, next: KubeObject): void {
  if (isDeployment(k)) {
    if (existing.metadata.labels) next.metadata.labels = structuredClone(existing.metadata.labels);
    else delete next.metadata.labels;
  }
  if (isDaemonSet(k)) setTemplateGeneration(next, templateGeneration(existing));
}
