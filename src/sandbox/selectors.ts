// Label and field selectors, in the query-string syntax of
// apimachinery/pkg/labels and pkg/fields, and metav1.LabelSelector objects.
import { badRequest } from './errors.js';
import { labelKeyProblem, labelValueProblem } from './label-syntax.js';
import type { KubeObject } from './types.js';

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const OPERATOR_RE = /^\s*(!=|==|=|\s+notin\s*|\s+in\s*|>|<)/;

/** Splits on commas that are not inside a `( ... )` value set. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

/**
 * A field error as apimachinery words it. A selector has no field path of its
 * own, so a bad key is reported at `<nil>` and a bad value at `values[i][key]`.
 */
function invalid(field: string, value: string, why: string): string {
  return `${field}: Invalid value: ${JSON.stringify(value)}: ${why}`;
}

/**
 * What labels.NewRequirement finds wrong with the values, each as a field
 * error; several are listed in brackets, as an aggregated error prints.
 */
function checkValues(r: LabelRequirement): LabelRequirement {
  // Values are indexed as the server holds them: a sorted set.
  const values = [...new Set(r.values)].sort();
  const problems: string[] = [];
  if (r.op === 'gt' || r.op === 'lt') {
    values.forEach((v, i) => {
      if (!/^[-+]?\d+$/.test(v)) problems.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
    });
  }
  values.forEach((v, i) => {
    const why = labelValueProblem(v);
    if (why) problems.push(invalid(`values[${i}][${r.key}]`, v, why));
  });
  if (problems.length === 0) return r;
  throw badRequest(`unable to parse requirement: ${problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`}`);
}

function checkKey(key: string): string {
  const why = labelKeyProblem(key);
  if (why) throw badRequest(`unable to parse requirement: ${invalid('<nil>', key, why)}`);
  return key;
}

function parseRequirement(raw: string): LabelRequirement {
  const text = raw.trim();
  const fail = (why: string) => badRequest(`unable to parse requirement: ${why}: ${JSON.stringify(text)}`);
  if (text.startsWith('!')) {
    const key = text.slice(1).trim();
    if (!key) throw fail('found \'\', expected: identifier');
    return { key: checkKey(key), op: '!', values: [] };
  }
  const keyMatch = /^[^\s=!<>(),]+/.exec(text);
  if (!keyMatch) throw fail('found \'\', expected: identifier');
  const key = checkKey(keyMatch[0]);
  const rest = text.slice(key.length);
  if (rest.trim() === '') return { key, op: 'exists', values: [] };
  const opMatch = OPERATOR_RE.exec(rest);
  if (!opMatch) throw fail('found unexpected token, expected: in, notin, =, ==, !=, gt, lt');
  const opText = opMatch[1]!.trim();
  const valueText = rest.slice(opMatch[0].length).trim();
  if (opText === 'in' || opText === 'notin') {
    if (!valueText.startsWith('(') || !valueText.endsWith(')')) throw fail("found '', expected: '('");
    const values = valueText.slice(1, -1).split(',').map((v) => v.trim());
    return checkValues({ key, op: opText, values: values.length === 1 && values[0] === '' ? [''] : values });
  }
  if (/[\s(),]/.test(valueText)) throw fail('found unexpected token in value');
  if (opText === '>' || opText === '<') return checkValues({ key, op: opText === '>' ? 'gt' : 'lt', values: [valueText] });
  return checkValues({ key, op: opText === '!=' ? '!=' : '=', values: [valueText] });
}

/** Parses `app=web,tier in (a,b),!legacy`; throws 400 BadRequest on bad syntax. */
export function parseLabelSelector(s: string | undefined): LabelSelector {
  if (!s || !s.trim()) return [];
  return splitTopLevel(s)
    .filter((p) => p.trim() !== '')
    .map(parseRequirement);
}

function matchesRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case '=':
    case 'in':
      return has && r.values.includes(v!);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(v!)) return false;
      const n = Number(v);
      const bound = Number(r.values[0]);
      return r.op === 'gt' ? n > bound : n < bound;
    }
  }
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.every((r) => matchesRequirement(r, l));
}

/** metav1.LabelSelector as it appears in specs. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

const EXPRESSION_OPS = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const;

export function fromLabelSelectorObject(sel: LabelSelectorObject | undefined): LabelSelector {
  const reqs: LabelSelector = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key, op: '=', values: [value] });
  for (const e of sel?.matchExpressions ?? []) reqs.push({ key: e.key, op: EXPRESSION_OPS[e.operator], values: e.values ?? [] });
  return reqs;
}

/** The query-string form of a metav1.LabelSelector, as controllers and `kubectl get -o wide` show it. */
export function labelSelectorString(sel: LabelSelectorObject | undefined): string {
  return fromLabelSelectorObject(sel)
    .map((r) => {
      switch (r.op) {
        case '=':
          return `${r.key}=${r.values[0]}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        default:
          return `${r.key}${r.op === 'gt' ? '>' : r.op === 'lt' ? '<' : '!='}${r.values[0]}`;
      }
    })
    .join(',');
}

export interface FieldRequirement {
  field: string;
  equals: boolean;
  value: string;
}

/** Parses `metadata.name=x,status.phase!=Running`; throws 400 BadRequest on bad syntax. */
export function parseFieldSelector(s: string | undefined): FieldRequirement[] {
  if (!s || !s.trim()) return [];
  return s.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    return { field: m[1]!, equals: m[2] !== '!=', value: m[3]! };
  });
}

/** Fields each kind may be selected by, beyond metadata.name and metadata.namespace (as the registries allow). */
const SELECTABLE_FIELDS: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Event: [
    'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
    'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
    'reason', 'reportingComponent', 'source', 'type',
  ],
  Secret: ['type'],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  ReplicaSet: ['status.replicas'],
  Job: ['status.successful'],
};

/** Throws 400 BadRequest for a field the kind cannot be selected by, as the real server does. */
export function checkSelectableFields(kind: string, reqs: FieldRequirement[]): void {
  for (const r of reqs) {
    if (r.field === 'metadata.name' || r.field === 'metadata.namespace') continue;
    if (SELECTABLE_FIELDS[kind]?.includes(r.field)) continue;
    throw badRequest(`field label not supported: ${r.field}`);
  }
}

function fieldValue(obj: KubeObject, path: string): string {
  if (path === 'source' && obj.kind === 'Event') {
    return String((obj.source as { component?: string } | undefined)?.component ?? '');
  }
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) {
    // Booleans the registries expose default to "false" when unset.
    return path === 'spec.unschedulable' || path === 'spec.hostNetwork' ? 'false' : '';
  }
  return String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: KubeObject): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === r.equals);
}
