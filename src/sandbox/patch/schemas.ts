// schemaFor: the type schema of a kind, built-in or custom.
import { BUILTIN_RESOURCES } from '../resources.js';
import { BUILTIN_SCHEMAS, GENERIC_BUILTIN } from './builtin-schemas.js';
import { crdRootSchema } from './crd-schema.js';
import type { TypeSchema } from './schema.js';

export interface SchemaOptions {
  /** The kind serves a status subresource (for CRDs: spec.versions[].subresources.status). */
  statusSubresource?: boolean;
}

/**
 * The schema of `group`/`kind`. With `crdSchema` (the version's
 * openAPIV3Schema) the kind is a custom resource: typed by that schema, and
 * without strategic merge patch support.
 */
export function schemaFor(group: string, kind: string, crdSchema?: unknown, options: SchemaOptions = {}): TypeSchema {
  if (crdSchema !== undefined) {
    return { root: crdRootSchema(crdSchema), strategicSupported: false, statusSubresource: options.statusSubresource ?? false };
  }
  if (!isBuiltinGroup(group)) {
    return { root: crdRootSchema({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }), strategicSupported: false, statusSubresource: options.statusSubresource ?? false };
  }
  const builtin = BUILTIN_RESOURCES.find((r) => r.type.group === group && r.type.kind === kind);
  return {
    root: BUILTIN_SCHEMAS[`${group}/${kind}`] ?? GENERIC_BUILTIN,
    strategicSupported: true,
    statusSubresource: options.statusSubresource ?? builtin?.traits.statusSubresource ?? false,
  };
}

// Custom resource groups need a dot and cannot take the reserved *.k8s.io groups.
function isBuiltinGroup(group: string): boolean {
  return !group.includes('.') || group.endsWith('.k8s.io');
}
