// Validation of writes, after defaulting, with apimachinery's field error
// wording (field path, `Required value`, `Invalid value: <go value>: why`) so a
// 422 from the sandbox reads like one from a cluster.
import type { FieldError } from './errors.js';
import type { NameRule } from './resources.js';
import { DNS1123_LABEL, SUBDOMAIN_MSG, SUBDOMAIN_RE, labelKeyProblem, labelValueProblem } from './label-syntax.js';
import { fromLabelSelectorObject, matchesLabels, type LabelSelectorObject } from './selectors.js';
import { deepEqual } from './patch/json.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, unknown>;

const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const CONFIG_KEY = '[-._a-zA-Z0-9]+';

const full = (re: string) => new RegExp(`^${re}$`);
const LABEL_RE = full(DNS1123_LABEL);
const DNS1035_RE = full(DNS1035_LABEL);
const CONFIG_KEY_RE = full(CONFIG_KEY);

const LABEL_MSG = `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`;
const DNS1035_MSG = `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_LABEL}')`;
const CONFIG_KEY_MSG = `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '${CONFIG_KEY}')`;

/** Renders a value the way Go's %#v / %q does in field.Invalid messages. */
export function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) {
    const entries = Object.entries(v as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[string]string{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

function labelSelectorGo(sel: LabelSelectorObject | undefined): string {
  const ml = sel?.matchLabels ? goValue(sel.matchLabels) : 'map[string]string(nil)';
  const me = sel?.matchExpressions?.length ? JSON.stringify(sel.matchExpressions) : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}

class Errors {
  readonly list: FieldError[] = [];
  required(field: string, why = ''): void {
    this.list.push({ type: 'FieldValueRequired', field, detail: why ? `Required value: ${why}` : 'Required value' });
  }
  invalid(field: string, value: unknown, why: string, rendered = goValue(value)): void {
    this.list.push({ type: 'FieldValueInvalid', field, detail: `Invalid value: ${rendered}: ${why}` });
  }
  unsupported(field: string, value: unknown, supported: string[]): void {
    this.list.push({
      type: 'FieldValueNotSupported',
      field,
      detail: `Unsupported value: ${goValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    });
  }
  duplicate(field: string, value: unknown): void {
    this.list.push({ type: 'FieldValueDuplicate', field, detail: `Duplicate value: ${goValue(value)}` });
  }
  forbidden(field: string, why: string): void {
    this.list.push({ type: 'FieldValueForbidden', field, detail: `Forbidden: ${why}` });
  }
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function validateName(name: string, rule: NameRule): string | undefined {
  switch (rule) {
    case 'label':
      return name.length > 63 ? 'must be no more than 63 characters' : LABEL_RE.test(name) ? undefined : LABEL_MSG;
    case 'dns1035':
      return name.length > 63 ? 'must be no more than 63 characters' : DNS1035_RE.test(name) ? undefined : DNS1035_MSG;
    case 'subdomain':
      return name.length > 253 ? 'must be no more than 253 characters' : SUBDOMAIN_RE.test(name) ? undefined : SUBDOMAIN_MSG;
    case 'path':
      return name === '.' || name === '..' || /[/%]/.test(name) ? `may not be '${name}' or contain '/' or '%'` : undefined;
  }
}

function validateLabels(errs: Errors, labels: unknown, field: string): void {
  if (!isObj(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    const kp = labelKeyProblem(k);
    if (kp) errs.invalid(field, k, kp);
    const vp = labelValueProblem(v);
    if (vp) errs.invalid(field, v, vp);
  }
}

function validateMeta(errs: Errors, o: KubeObject, rule: NameRule, namespaced: boolean): void {
  const m = o.metadata;
  if (!m.name) errs.required('metadata.name', 'name or generateName is required');
  else {
    const p = validateName(m.name, rule);
    if (p) errs.invalid('metadata.name', m.name, p);
  }
  if (namespaced && !m.namespace) errs.required('metadata.namespace');
  validateLabels(errs, m.labels, 'metadata.labels');
  if (m.annotations !== undefined) {
    for (const k of Object.keys(m.annotations)) {
      const kp = labelKeyProblem(k.toLowerCase());
      if (kp) errs.invalid('metadata.annotations', k, kp);
    }
  }
}

function validateContainers(errs: Errors, containers: unknown, field: string, required: boolean): void {
  if (!Array.isArray(containers) || containers.length === 0) {
    if (required) errs.required(field);
    return;
  }
  const seen = new Set<string>();
  containers.forEach((c: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isObj(c)) return errs.required(at);
    const name = c.name;
    if (typeof name !== 'string' || !name) errs.required(`${at}.name`);
    else if (!LABEL_RE.test(name) || name.length > 63) errs.invalid(`${at}.name`, name, LABEL_MSG);
    else if (seen.has(name)) errs.duplicate(`${at}.name`, name);
    else seen.add(name);
    if (typeof c.image !== 'string' || !c.image.trim()) errs.required(`${at}.image`);
    if (Array.isArray(c.ports)) {
      c.ports.forEach((p: unknown, j) => {
        const port = isObj(p) ? p.containerPort : undefined;
        if (typeof port !== 'number') errs.required(`${at}.ports[${j}].containerPort`);
        else if (port < 1 || port > 65535 || !Number.isInteger(port)) {
          errs.invalid(`${at}.ports[${j}].containerPort`, port, 'must be between 1 and 65535, inclusive');
        }
      });
    }
    const policy = c.imagePullPolicy;
    if (policy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(String(policy))) {
      errs.unsupported(`${at}.imagePullPolicy`, policy, ['Always', 'IfNotPresent', 'Never']);
    }
  });
}

function validatePodSpec(errs: Errors, spec: unknown, field: string, allowedRestart?: string[]): void {
  if (!isObj(spec)) return errs.required(field);
  validateContainers(errs, spec.containers, `${field}.containers`, true);
  validateContainers(errs, spec.initContainers, `${field}.initContainers`, false);
  const restart = spec.restartPolicy;
  const allowed = allowedRestart ?? ['Always', 'OnFailure', 'Never'];
  if (restart !== undefined && !allowed.includes(String(restart))) errs.unsupported(`${field}.restartPolicy`, restart, allowed);
}

function validateReplicas(errs: Errors, spec: Obj, field: string): void {
  const r = spec.replicas;
  if (r !== undefined && (typeof r !== 'number' || r < 0 || !Number.isInteger(r))) {
    errs.invalid(field, r, 'must be greater than or equal to 0');
  }
}

/** Selector present, non-empty and matching the template's labels, as apps/v1 requires. */
function validateSelectorAndTemplate(errs: Errors, spec: Obj, kindLower: string, allowedRestart?: string[]): void {
  const sel = spec.selector as LabelSelectorObject | undefined;
  if (!isObj(sel)) errs.required('spec.selector');
  else if (fromLabelSelectorObject(sel).length === 0) {
    errs.invalid('spec.selector', sel, `empty selector is invalid for ${kindLower}`, labelSelectorGo(sel));
  }
  const template = spec.template;
  if (!isObj(template)) return errs.required('spec.template');
  const labels = (isObj(template.metadata) ? template.metadata.labels : undefined) as Record<string, string> | undefined;
  validateLabels(errs, labels, 'spec.template.metadata.labels');
  if (isObj(sel) && fromLabelSelectorObject(sel).length > 0 && !matchesLabels(fromLabelSelectorObject(sel), labels)) {
    errs.invalid('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`');
  }
  validatePodSpec(errs, template.spec, 'spec.template.spec', allowedRestart);
}

function validateService(errs: Errors, spec: Obj): void {
  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (spec.type !== undefined && !types.includes(String(spec.type))) errs.unsupported('spec.type', spec.type, types);
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  if (ports.length === 0 && spec.type !== 'ExternalName' && spec.clusterIP !== 'None') errs.required('spec.ports');
  const names = new Set<string>();
  ports.forEach((p: unknown, i) => {
    if (!isObj(p)) return;
    const port = p.port;
    if (typeof port !== 'number') errs.required(`spec.ports[${i}].port`);
    else if (port < 1 || port > 65535) errs.invalid(`spec.ports[${i}].port`, port, 'must be between 1 and 65535, inclusive');
    if (ports.length > 1 && !p.name) errs.required(`spec.ports[${i}].name`);
    if (typeof p.name === 'string' && p.name) {
      if (names.has(p.name)) errs.duplicate(`spec.ports[${i}].name`, p.name);
      names.add(p.name);
    }
    const protocols = ['SCTP', 'TCP', 'UDP'];
    if (p.protocol !== undefined && !protocols.includes(String(p.protocol))) errs.unsupported(`spec.ports[${i}].protocol`, p.protocol, protocols);
  });
}

function validateDataKeys(errs: Errors, o: KubeObject): void {
  const data = isObj(o.data) ? o.data : {};
  for (const field of ['data', 'binaryData']) {
    const map = o[field];
    if (!isObj(map)) continue;
    for (const k of Object.keys(map)) {
      if (k.length > 253) errs.invalid(`${field}[${k}]`, k, 'must be no more than 253 characters');
      else if (!CONFIG_KEY_RE.test(k)) errs.invalid(`${field}[${k}]`, k, CONFIG_KEY_MSG);
      if (field === 'binaryData' && Object.hasOwn(data, k)) errs.invalid(`binaryData[${k}]`, k, 'duplicate of key present in data');
    }
  }
}

/** The keys each built-in Secret type requires, as ValidateSecret checks them. */
function validateSecretType(errs: Errors, o: KubeObject): void {
  const data = isObj(o.data) ? o.data : {};
  const has = (k: string) => Object.hasOwn(data, k);
  switch (o.type) {
    case 'kubernetes.io/service-account-token':
      if (!o.metadata.annotations?.['kubernetes.io/service-account.name']) errs.required('metadata.annotations[kubernetes.io/service-account.name]');
      break;
    case 'kubernetes.io/dockercfg':
      if (!has('.dockercfg')) errs.required('data[.dockercfg]');
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!has('.dockerconfigjson')) errs.required('data[.dockerconfigjson]');
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.required('data[username]');
        errs.required('data[password]');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) errs.required('data[ssh-privatekey]');
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.required('data[tls.crt]');
      if (!has('tls.key')) errs.required('data[tls.key]');
      break;
  }
}

function validateCrd(errs: Errors, o: KubeObject): void {
  const spec = isObj(o.spec) ? o.spec : {};
  const names = isObj(spec.names) ? spec.names : {};
  if (!spec.group) errs.required('spec.group');
  if (!names.plural) errs.required('spec.names.plural');
  if (!names.kind) errs.required('spec.names.kind');
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errs.unsupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']);
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
  if (versions.length === 0) errs.required('spec.versions', 'must have exactly one version marked as storage version');
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    errs.invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version');
  }
  validateConversion(errs, isObj(spec.conversion) ? spec.conversion : {});
  if (spec.group && names.plural && o.metadata.name !== `${names.plural}.${spec.group}`) {
    errs.invalid('metadata.name', o.metadata.name ?? '', 'must be spec.names.plural+"."+spec.group');
  }
}

/** spec.conversion, with the field paths of the internal type the server validates (webhookClientConfig). */
function validateConversion(errs: Errors, conversion: Obj): void {
  const webhook = isObj(conversion.webhook) ? conversion.webhook : undefined;
  const clientConfig = webhook && isObj(webhook.clientConfig) ? webhook.clientConfig : undefined;
  const reviewVersions = webhook && Array.isArray(webhook.conversionReviewVersions) ? webhook.conversionReviewVersions : [];
  if (conversion.strategy === 'Webhook') {
    if (!clientConfig) errs.required('spec.conversion.webhookClientConfig', 'required when strategy is set to Webhook');
    else if ((clientConfig.url === undefined) === (clientConfig.service === undefined)) {
      errs.required('spec.conversion.webhookClientConfig', 'exactly one of url or service is required');
    }
    if (reviewVersions.length === 0) errs.required('spec.conversion.conversionReviewVersions', 'must specify one of v1, v1beta1');
  } else {
    if (clientConfig) errs.forbidden('spec.conversion.webhookClientConfig', 'should not be set when strategy is not set to Webhook');
    if (reviewVersions.length > 0) errs.forbidden('spec.conversion.conversionReviewVersions', 'should not be set when strategy is not set to Webhook');
  }
}

export interface ValidationTarget {
  group: string;
  nameRule: NameRule;
  namespaced: boolean;
}

/** Field errors of a new or updated object (empty when valid). */
export function validateObject(target: ValidationTarget, o: KubeObject): FieldError[] {
  const errs = new Errors();
  validateMeta(errs, o, target.nameRule, target.namespaced);
  const spec = isObj(o.spec) ? o.spec : undefined;
  switch (`${target.group}/${o.kind}`) {
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
      if (!spec) {
        errs.required('spec.selector');
        break;
      }
      validateReplicas(errs, spec, 'spec.replicas');
      validateSelectorAndTemplate(errs, spec, o.kind.toLowerCase(), ['Always']);
      break;
    case 'batch/Job':
      if (spec) validateSelectorAndTemplate(errs, spec, 'job', ['OnFailure', 'Never']);
      else errs.required('spec.template');
      break;
    case 'batch/CronJob': {
      if (!spec?.schedule) errs.required('spec.schedule');
      const jt = isObj(spec?.jobTemplate) ? spec.jobTemplate : {};
      const jobSpec = isObj(jt.spec) ? jt.spec : {};
      const template = isObj(jobSpec.template) ? jobSpec.template : {};
      validatePodSpec(errs, template.spec, 'spec.jobTemplate.spec.template.spec', ['OnFailure', 'Never']);
      break;
    }
    case '/Pod':
      validatePodSpec(errs, spec, 'spec');
      break;
    case '/Service':
      validateService(errs, spec ?? {});
      break;
    case '/ConfigMap':
      validateDataKeys(errs, o);
      break;
    case '/Secret':
      validateDataKeys(errs, o);
      validateSecretType(errs, o);
      break;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      validateCrd(errs, o);
      break;
  }
  return errs.list;
}

const jsonEqual = deepEqual;

/** Field errors of an update that changes what may not change once created. */
export function validateImmutable(group: string, next: KubeObject, old: KubeObject): FieldError[] {
  const errs = new Errors();
  const spec = (isObj(next.spec) ? next.spec : {}) as Obj;
  const oldSpec = (isObj(old.spec) ? old.spec : {}) as Obj;
  const immutable = (field: string, a: unknown, b: unknown, rendered?: string) => {
    if (!jsonEqual(a, b)) errs.invalid(field, a, 'field is immutable', rendered);
  };
  switch (`${group}/${next.kind}`) {
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
      immutable('spec.selector', spec.selector, oldSpec.selector, labelSelectorGo(spec.selector as LabelSelectorObject));
      break;
    case 'batch/Job':
      immutable('spec.selector', spec.selector, oldSpec.selector, labelSelectorGo(spec.selector as LabelSelectorObject));
      immutable('spec.template', spec.template, oldSpec.template, 'core.PodTemplateSpec{...}');
      break;
    case '/Service':
      if (oldSpec.clusterIP && spec.clusterIP !== undefined && spec.clusterIP !== oldSpec.clusterIP && spec.type !== 'ExternalName') {
        errs.invalid('spec.clusterIPs[0]', spec.clusterIP, 'may not change once set');
      }
      break;
    case '/Secret':
      immutable('type', next.type, old.type);
      if (old.immutable === true) {
        if (next.immutable !== true) errs.forbidden('immutable', IMMUTABLE_WHEN_SET);
        // stringData was already folded into data.
        if (!jsonEqual(next.data, old.data)) errs.forbidden('data', IMMUTABLE_WHEN_SET);
      }
      break;
    case '/ConfigMap':
      if (old.immutable === true) {
        if (next.immutable !== true) errs.forbidden('immutable', IMMUTABLE_WHEN_SET);
        if (!jsonEqual(next.data, old.data)) errs.forbidden('data', IMMUTABLE_WHEN_SET);
        if (!jsonEqual(next.binaryData, old.binaryData)) errs.forbidden('binaryData', IMMUTABLE_WHEN_SET);
      }
      break;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      immutable('spec.scope', spec.scope, oldSpec.scope);
      break;
    case '/Pod':
      if (!jsonEqual(mutablePodFieldsCleared(spec, oldSpec), mutablePodFieldsCleared(oldSpec, oldSpec))) {
        errs.forbidden('spec', POD_UPDATE_MESSAGE);
      }
      break;
  }
  return errs.list;
}

const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

/** Kinds whose update validation checks immutable fields before the object itself. */
export const IMMUTABILITY_FIRST = new Set(['/ConfigMap', '/Secret']);

const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * A Pod spec with what an update may change taken out: images, the deadline,
 * added tolerations, and the node a Pod is bound to once (scheduling).
 */
function mutablePodFieldsCleared(spec: Obj, oldSpec: Obj): Obj {
  const clearImages = (cs: unknown) => (Array.isArray(cs) ? cs.map((c: unknown) => (isObj(c) ? { ...c, image: '' } : c)) : cs);
  const out: Obj = { ...spec, containers: clearImages(spec.containers), initContainers: clearImages(spec.initContainers) };
  delete out.activeDeadlineSeconds;
  if (!oldSpec.nodeName) delete out.nodeName;
  const oldTolerations = Array.isArray(oldSpec.tolerations) ? oldSpec.tolerations : [];
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  out.tolerations = tolerations.slice(0, oldTolerations.length);
  return out;
}

/** The parts of an OpenAPI v3 schema a custom resource is validated against. */
export interface ValueSchema {
  type?: string;
  properties?: Record<string, ValueSchema>;
  items?: ValueSchema;
  additionalProperties?: ValueSchema | boolean;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  pattern?: string;
  nullable?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** The JSON type kube-openapi names for a decoded value (integral numbers are integers). */
function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  return typeof v === 'string' ? 'string' : 'object';
}

function typeMatches(actual: string, s: ValueSchema): boolean {
  if (s['x-kubernetes-int-or-string']) return actual === 'string' || actual === 'integer';
  if (!s.type) return true;
  return s.type === actual || (s.type === 'number' && actual === 'integer');
}

/**
 * Checks `v` against `s` with kube-openapi's rules and messages, converted to
 * field errors as the apiextensions server converts them: a wrong type names
 * the type it got (`Invalid value: "string": spec.size in body must be of
 * type integer: "string"`), limits quote the schema.
 */
function validateValue(errs: Errors, v: unknown, s: ValueSchema, path: string): void {
  const at = path || '<nil>';
  const actual = jsonTypeOf(v);
  if (v === null) {
    if (s.type && !s.nullable) errs.list.push(typeError(at, s.type, 'null'));
    return;
  }
  if (!typeMatches(actual, s)) {
    errs.list.push(typeError(at, s.type ?? '', actual));
    return;
  }
  // kube-openapi's validators in their order: string, number, slice, enum, object.
  if (typeof v === 'string') {
    const chars = [...v].length;
    if (s.maxLength !== undefined && chars > s.maxLength) {
      errs.list.push({ type: 'FieldValueTooLong', field: at, detail: `Too long: may not be more than ${s.maxLength} ${s.maxLength === 1 ? 'byte' : 'bytes'}` });
    } else if (s.minLength !== undefined && chars < s.minLength) {
      errs.invalid(at, v, `${at} in body should be at least ${s.minLength} chars long`);
    } else if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) {
      errs.invalid(at, v, `${at} in body should match '${s.pattern}'`);
    }
  }
  if (typeof v === 'number') {
    if (s.multipleOf !== undefined && !Number.isInteger(v / s.multipleOf)) errs.invalid(at, v, `${at} in body should be a multiple of ${s.multipleOf}`);
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
      errs.invalid(at, v, `${at} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`);
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
      errs.invalid(at, v, `${at} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`);
    }
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) errs.invalid(at, v.length, `${at} in body should have at least ${s.minItems} items`);
    if (s.maxItems !== undefined && v.length > s.maxItems) {
      errs.list.push({ type: 'FieldValueTooMany', field: at, detail: `Too many: ${v.length}: must have at most ${s.maxItems} ${s.maxItems === 1 ? 'item' : 'items'}` });
    }
    // kube-openapi reports no value with this error, so the field error carries "".
    if (s.uniqueItems && v.some((x, i) => v.findIndex((y) => jsonEqual(x, y)) !== i)) errs.invalid(at, '', `${at} in body shouldn't contain duplicates`);
    if (s.items) v.forEach((x, i) => validateValue(errs, x, s.items!, `${path}[${i}]`));
  }
  if (s.enum && !s.enum.some((e) => jsonEqual(e, v))) {
    errs.unsupported(at, v, s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))));
  }
  if (isObj(v)) {
    const n = Object.keys(v).length;
    if (s.minProperties !== undefined && n < s.minProperties) return errs.invalid(at, s.minProperties, `${at} in body should have at least ${s.minProperties} properties`);
    if (s.maxProperties !== undefined && n > s.maxProperties) {
      // The error carries the limit where the conversion expects the count, and no limit.
      errs.list.push({ type: 'FieldValueTooMany', field: at, detail: `Too many: ${s.maxProperties}: has too many items` });
      return;
    }
    for (const r of s.required ?? []) if (v[r] === undefined) errs.required(path ? `${path}.${r}` : r);
    for (const [k, x] of Object.entries(v)) {
      const sub = s.properties?.[k] ?? (isObj(s.additionalProperties) ? (s.additionalProperties as ValueSchema) : undefined);
      if (sub) validateValue(errs, x, sub, path ? `${path}.${k}` : k);
    }
  }
}

function typeError(path: string, want: string, got: string): FieldError {
  return { type: 'FieldValueTypeInvalid', field: path, detail: `Invalid value: ${JSON.stringify(got)}: ${path} in body must be of type ${want}: ${JSON.stringify(got)}` };
}

/** Field errors of a custom resource against its CRD version's openAPIV3Schema (apiVersion, kind and metadata excepted). */
export function validateCustomResource(o: KubeObject, schema: ValueSchema): FieldError[] {
  const errs = new Errors();
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
  const root: ValueSchema = { ...schema, properties: { ...schema.properties } };
  delete root.properties!.metadata;
  delete root.properties!.apiVersion;
  delete root.properties!.kind;
  root.required = (schema.required ?? []).filter((r) => r !== 'metadata' && r !== 'apiVersion' && r !== 'kind');
  validateValue(errs, rest, root, '');
  return errs.list;
}
