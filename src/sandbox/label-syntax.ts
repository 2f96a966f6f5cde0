// Label keys and values as apimachinery's util/validation checks them
// (IsQualifiedName, IsValidLabelValue), in its wording: the same rule answers
// for labels written on objects and for label selectors in list queries.

export const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';

const full = (re: string) => new RegExp(`^${re}$`);
export const SUBDOMAIN_RE = full(DNS1123_SUBDOMAIN);
const QUALIFIED_RE = full(QUALIFIED_NAME);
const LABEL_VALUE_RE = full(LABEL_VALUE);

export const SUBDOMAIN_MSG = `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`;
const QUALIFIED_MSG = `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}')`;
const LABEL_VALUE_MSG = `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE}')`;

/** Why `key` is not a label (or annotation) key: an optional DNS subdomain prefix and a qualified name. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (!prefix || prefix.length > 253 || !SUBDOMAIN_RE.test(prefix))) return `prefix part ${SUBDOMAIN_MSG}`;
  if (!name) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_RE.test(name)) return QUALIFIED_MSG;
  return undefined;
}

/** Why `value` is not a label value. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return LABEL_VALUE_MSG;
  if (value.length > 63) return 'must be no more than 63 characters';
  return LABEL_VALUE_RE.test(value) ? undefined : LABEL_VALUE_MSG;
}
