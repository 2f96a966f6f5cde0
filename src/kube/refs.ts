// How objects are named in messages everywhere: `Kind/namespace/name`.

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
export function subjectOf(ref: { kind: string; namespace?: string; name: string }): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}
