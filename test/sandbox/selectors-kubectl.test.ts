// Invalid label selectors in list and watch queries: the sandbox answers
// 400 BadRequest with kube-apiserver's wording (apimachinery labels.Parse), so
// kubectl 1.32 prints what it prints against a cluster, instead of an empty
// list that would read as "nothing matches".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_WITHOUT_KUBECTL, useKubectlSandbox } from '../helpers/sandbox-kubectl.js';

const LABEL_VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_RULE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const k = useKubectlSandbox({
  seed: (sb) => {
    const cm = sb.store.resourceFor('', 'ConfigMap')!;
    sb.store.create(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: '2' } } });
  },
});

/** kubectl's own framing of a 400 for a list with a selector, around the server's message. */
const unableToFind = (selector: string, message: string): string =>
  `Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "${selector}", field selector "": ${message}\n`;

test('invalid selectors: kubectl get cm -l app=Web_ is refused with 400 BadRequest naming the value and the rule, as a cluster does', { skip: SKIP_WITHOUT_KUBECTL }, async () => {
  const r = await k.kubectl(['get', 'cm', '-l', 'app=Web_']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, unableToFind('app=Web_', `unable to parse requirement: values[0][app]: Invalid value: "Web_": ${LABEL_VALUE_RULE}`));
  assert.equal(r.stdout, '');
});

test('invalid selectors: a bad key, a bad value in a set, a non-integer bound', { skip: SKIP_WITHOUT_KUBECTL }, async () => {
  const cases: [selector: string, message: string][] = [
    ['app:web', `unable to parse requirement: <nil>: Invalid value: "app:web": ${QUALIFIED_NAME_RULE}`],
    // The server holds the values as a sorted set: the bad one is values[0] of (Bad_, web).
    ['app in (web,Bad_)', `unable to parse requirement: values[0][app]: Invalid value: "Bad_": ${LABEL_VALUE_RULE}`],
    ['tier>two', `unable to parse requirement: values[0]: Invalid value: "two": for 'Gt', 'Lt' operators, the value must be an integer`],
  ];
  for (const [selector, message] of cases) {
    const r = await k.kubectl(['get', 'cm', '-l', selector]);
    assert.equal(r.code, 1, `${selector}: ${r.stderr}`);
    assert.equal(r.stderr, unableToFind(selector, message), selector);
  }
});

test('valid selectors still select: app=web, app in (web,other), tier>1, app,!missing', { skip: SKIP_WITHOUT_KUBECTL }, async () => {
  for (const selector of ['app=web', 'app in (web,other)', 'tier>1', 'app,!missing']) {
    const r = await k.kubectl(['get', 'cm', '-l', selector, '-o', 'name']);
    assert.equal(r.code, 0, `${selector}: ${r.stderr}`);
    assert.equal(r.stdout, 'configmap/web\n', selector);
  }
});

test('invalid selectors in a watch: kubectl get cm -w -l app=Web_ is refused the same way', { skip: SKIP_WITHOUT_KUBECTL }, async () => {
  const r = await k.kubectl(['get', 'cm', '-w', '-l', 'app=Web_', '--request-timeout=20s']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /unable to parse requirement: values\[0\]\[app\]: Invalid value: "Web_": a valid label must be/);
});
