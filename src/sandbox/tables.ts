// Server-side printing: the meta.k8s.io/v1 Table a real API server sends when
// a client asks for `application/json;as=Table;v=v1;g=meta.k8s.io` (every
// `kubectl get` without -o json/yaml does). kubectl prints these cells as they
// are, so columns, their priorities (1 = only with -o wide) and the wording of
// each cell follow kubernetes/pkg/printers/internalversion/printers.go.
//
// For the router (toTable fits http/resources.ts's TableRenderer as it is):
//   if (wantsTable(req.headers.accept ?? '')) {
//     const includeObject = url.searchParams.get('includeObject') ?? 'Metadata';
//     body = toTable(res, list.items, { includeObject, listMeta: { resourceVersion: list.resourceVersion } });
//   }
//   A single GET passes one object; a watch passes one object per event, with
//   noHeaders: true after the first event (the column definitions come once).
//   Custom resources pass their CRD version's additionalPrinterColumns:
//     toTable(res, objs, { ...opts, printerColumns: crdVersion.additionalPrinterColumns ?? [] })
//   (an empty list, like a missing one, prints NAME and AGE).
import type { KubeObject, ResourceType } from './types.js';
import { printerFor, type Column, type PrintContext } from './table-printers.js';
import { parseAccept } from './http/negotiate.js';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** A CRD version's additionalPrinterColumns entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface TableOptions {
  /** The request's includeObject: Object, Metadata (the default) or None. */
  includeObject: string;
  /** Leave out the column definitions (watch events after the first). */
  noHeaders?: boolean;
  /** The list's metadata (resourceVersion, continue), copied to the Table's. */
  listMeta?: Record<string, unknown>;
  /** Custom resources: the CRD version's additionalPrinterColumns. */
  printerColumns?: PrinterColumn[];
  /** The clock for AGE cells, in ms since the epoch (default: now). */
  now?: number;
}

/** True when the Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string): boolean {
  return parseAccept(accept).some(
    (m) => m.params.as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1'),
  );
}

export function toTable(res: ResourceType, objs: KubeObject[] | KubeObject, opts: TableOptions): Table {
  const list = Array.isArray(objs) ? objs : [objs];
  const ctx: PrintContext = { now: opts.now ?? Date.now() };
  const columns: Column[] = printerFor(res, opts.printerColumns);
  const rows = list.map((obj) => {
    const row: TableRow = { cells: [] };
    for (const c of columns) row.cells.push(c.cell(obj, ctx));
    const conditions = rowConditions(res, obj);
    if (conditions) row.conditions = conditions;
    const object = rowObject(obj, opts.includeObject);
    if (object !== undefined) row.object = object;
    return row;
  });
  const metadata: Table['metadata'] = {};
  const listRv = opts.listMeta?.resourceVersion;
  const rv = typeof listRv === 'string' ? listRv : Array.isArray(objs) ? undefined : objs.metadata.resourceVersion;
  if (rv) metadata.resourceVersion = rv;
  const cont = opts.listMeta?.continue;
  if (typeof cont === 'string' && cont !== '') metadata.continue = cont;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders
      ? []
      : columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })),
    rows,
  };
}

function rowObject(obj: KubeObject, includeObject: string): unknown {
  switch (includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return obj;
    default:
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  }
}

// Finished Pods carry a Completed condition on their row, which clients use
// to tell them from running ones.
function rowConditions(res: ResourceType, obj: KubeObject): TableRow['conditions'] {
  if (res.group !== '' || res.kind !== 'Pod') return undefined;
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return undefined;
}
