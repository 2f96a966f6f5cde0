// YAML as kubectl, Flux and kapp read it. They all go through sigs.k8s.io/yaml,
// which parses with go-yaml v2: YAML 1.1 scalars, not YAML 1.2's. So `yes`,
// `on`, `y` are booleans, `0755` is octal, `1_000` is a thousand; timestamps
// stay strings. A manifest must mean the same to gdeploy as to kubectl, or a
// file kubectl refuses (`enabled: yes` in a ConfigMap's data) would be applied.
// The resolution rules below follow go-yaml v2's resolve.go, value for value.
import yaml from 'js-yaml';

const TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
const BOOLS = new Map<string, boolean>([...TRUE.map((s) => [s, true] as const), ...FALSE.map((s) => [s, false] as const)]);

const bool = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string) => BOOLS.has(data),
  construct: (data: string) => BOOLS.get(data),
  predicate: (v: unknown) => typeof v === 'boolean',
  represent: { lowercase: (v: object) => String(v) },
  defaultStyle: 'lowercase',
});

/** go-yaml tries numbers only for plain scalars that start with a digit or a sign. */
const startsNumeric = (s: string): boolean => /^[-+0-9]/.test(s);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * strconv.ParseInt(s, 0, 64), then ParseUint, after go-yaml removed every
 * '_': an optional sign, then 0x / 0o / 0b / a leading 0 (octal) or decimal.
 */
function goInteger(text: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[2]!;
  const lower = digits.toLowerCase();
  const magnitude =
    lower.startsWith('0x') || lower.startsWith('0b') || lower.startsWith('0o')
      ? BigInt(lower)
      : digits.length > 1 && digits.startsWith('0')
        ? BigInt(`0o${digits.slice(1)}`)
        : BigInt(digits);
  const value = m[1] === '-' ? -magnitude : magnitude;
  // ParseUint, the second try, takes no sign: only unsigned text reaches past int64.
  const max = m[1] === '' ? UINT64_MAX : INT64_MAX;
  return value < INT64_MIN || value > max ? undefined : value;
}

const int = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string) => startsNumeric(data) && goInteger(data.replaceAll('_', '')) !== undefined,
  // Beyond 2^53 a number would silently change on its way to JSON: the loader refuses the BigInt instead.
  construct: (data: string) => {
    const n = goInteger(data.replaceAll('_', ''))!;
    return Number.isSafeInteger(Number(n)) ? Number(n) : n;
  },
  predicate: (v: unknown) => typeof v === 'number' && Number.isInteger(v),
  represent: { decimal: (v: object) => String(v) },
  defaultStyle: 'decimal',
});

const SPECIAL_FLOATS = new Map<string, number>([
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Infinity] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, -Infinity] as const),
]);
/** go-yaml's yamlStyleFloat, tried on numeric-looking scalars with '_' removed. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What strconv.ParseFloat takes of a scalar starting with '.'. */
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;

function goFloat(data: string): number | undefined {
  const special = SPECIAL_FLOATS.get(data);
  if (special !== undefined) return special;
  // strconv.ParseFloat fails out of range (1e400): the scalar stays a string.
  const finite = (n: number): number | undefined => (Number.isFinite(n) ? n : undefined);
  if (data.startsWith('.')) return DOT_FLOAT.test(data) ? finite(Number(data)) : undefined;
  const plain = data.replaceAll('_', '');
  return startsNumeric(data) && YAML_STYLE_FLOAT.test(plain) ? finite(Number(plain)) : undefined;
}

const float = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string) => goFloat(data) !== undefined,
  construct: (data: string) => goFloat(data),
  predicate: (v: unknown) => typeof v === 'number',
  represent: { decimal: (v: object) => String(v) },
  defaultStyle: 'decimal',
});

// js-yaml exports its built-in types at run time; @types/js-yaml omits them.
const { merge, null: nullType } = (yaml as unknown as { types: { merge: yaml.Type; null: yaml.Type } }).types;

/**
 * Null as in YAML 1.2 (go-yaml v2 agrees: '', '~', null, Null, NULL), then
 * go-yaml's booleans, integers and floats, and merge keys. No timestamp type:
 * dates stay strings, as Kubernetes reads them.
 */
export const KUBE_YAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({ implicit: [nullType, bool, int, float, merge] });
