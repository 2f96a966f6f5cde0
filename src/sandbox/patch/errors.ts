// Errors of the patch and apply algorithms. The API layer turns them into a
// metav1.Status: PatchError carries the HTTP code a real server answers with,
// ApplyConflictError becomes 409 Conflict with one FieldManagerConflict cause
// per conflicting field.

export class PatchError extends Error {
  /**
   * The HTTP status a real server answers with: 400 for a malformed patch, 415
   * for an unsupported patch type, 422 when a well-formed patch does not apply,
   * 500 (with no reason) where the server reports the library's plain error.
   */
  readonly code: number;

  constructor(message: string, code = 422) {
    super(message);
    this.name = 'PatchError';
    this.code = code;
  }
}

export interface FieldConflict {
  /** The field manager that owns the field. */
  manager: string;
  /** The manager as the API server names it in messages: `"kubectl-edit" using apps/v1`. */
  owner: string;
  /** The field as kubectl prints it: `.spec.template.spec.containers[name="web"].image`. */
  field: string;
}

export class ApplyConflictError extends Error {
  readonly conflicts: FieldConflict[];

  constructor(conflicts: FieldConflict[]) {
    super(conflictMessage(conflicts));
    this.name = 'ApplyConflictError';
    this.conflicts = conflicts;
  }

  /** The status causes a real server sends with the 409. */
  get causes(): { reason: 'FieldManagerConflict'; message: string; field: string }[] {
    return this.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${c.owner}`, field: c.field }));
  }
}

// Same wording as the API server's apply conflict message, which kubectl prints
// verbatim after "error: ".
function conflictMessage(conflicts: FieldConflict[]): string {
  if (conflicts.length === 1) {
    const [c] = conflicts as [FieldConflict];
    return `Apply failed with 1 conflict: conflict with ${c.owner}: ${c.field}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.owner, [...(byManager.get(c.owner) ?? []), c.field]);
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${manager}:`);
    for (const field of byManager.get(manager)!) lines.push(`- ${field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}
