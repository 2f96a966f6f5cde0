import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHookFlags, forwardedHeaders, parseListen, readWebhookSecret, verifyHook, Wakeup } from '../../src/gitops/webhook.js';

const secret = Buffer.from('s3cret-value');
const body = Buffer.from('{"ref":"refs/heads/main"}');
const sign = (b: Buffer, key: Buffer | string = secret) => `sha256=${createHmac('sha256', key).update(b).digest('hex')}`;

test('GitHub signatures, GitLab tokens and Bearer tokens are checked against the secret', () => {
  assert.deepEqual(verifyHook({ 'x-hub-signature-256': sign(body) }, body, secret), { kind: 'github' });
  assert.deepEqual(verifyHook({ 'x-hub-signature-256': sign(body).toUpperCase().replace('SHA256=', 'sha256=') }, body, secret), { kind: 'github' });
  assert.deepEqual(verifyHook({ 'x-hub-signature-256': sign(body, 'other') }, body, secret), { refused: 'bad X-Hub-Signature-256' });
  assert.deepEqual(verifyHook({ 'x-hub-signature-256': sign(body) }, Buffer.from('{"ref":"refs/heads/evil"}'), secret), { refused: 'bad X-Hub-Signature-256' });
  assert.deepEqual(verifyHook({ 'x-hub-signature-256': 'sha256=abc' }, body, secret), { refused: 'malformed X-Hub-Signature-256' });
  // A valid token does not make up for a bad signature.
  assert.ok('refused' in verifyHook({ 'x-hub-signature-256': sign(body, 'other'), 'x-gitlab-token': 's3cret-value' }, body, secret));

  assert.deepEqual(verifyHook({ 'x-gitlab-token': 's3cret-value' }, body, secret), { kind: 'gitlab' });
  assert.deepEqual(verifyHook({ 'x-gitlab-token': 's3cret-valu' }, body, secret), { refused: 'bad X-Gitlab-Token' });
  assert.deepEqual(verifyHook({ authorization: 'Bearer s3cret-value' }, body, secret), { kind: 'bearer' });
  assert.deepEqual(verifyHook({ authorization: 'Bearer s3cret-value-and-more' }, body, secret), { refused: 'bad Bearer token' });
  assert.deepEqual(verifyHook({ authorization: 'Basic czNjcmV0' }, body, secret), { refused: 'Authorization is not a Bearer token' });
  assert.ok('refused' in verifyHook({}, body, secret));
});

test('a call passed on between replicas is signed with the secret and never carries it', () => {
  const forwarded = '{"forwardedAt":"2026-12-06T20:00:00.000Z"}';
  const headers = Object.fromEntries(Object.entries(forwardedHeaders(forwarded, secret)).map(([k, v]) => [k.toLowerCase(), v]));
  assert.ok(!JSON.stringify(headers).includes(secret.toString()), 'the secret is not in the headers');
  assert.ok(!forwarded.includes(secret.toString()));
  assert.equal(headers['x-gdeploy-forwarded'], '1');
  assert.deepEqual(verifyHook(headers, Buffer.from(forwarded), secret), { kind: 'github' });
  assert.ok('refused' in verifyHook(headers, Buffer.from(forwarded), Buffer.from('another-secret')), 'a replica with another secret refuses it');
});

test('--listen takes HOST:PORT, [IPv6]:PORT or :PORT; anything else is a problem naming the flag', () => {
  const ok = (v: string) => {
    const problems: string[] = [];
    const r = parseListen(v, problems);
    assert.deepEqual(problems, []);
    return r;
  };
  assert.deepEqual(ok('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(ok('0.0.0.0:8080'), { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(ok('[::1]:9000'), { host: '::1', port: 9000 });
  assert.deepEqual(ok(':8080'), { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(ok('localhost:80'), { host: 'localhost', port: 80 });
  for (const bad of ['8080', '127.0.0.1', '127.0.0.1:65536', '127.0.0.1:http', 'http://127.0.0.1:80', '::1:80', '']) {
    const problems: string[] = [];
    assert.equal(parseListen(bad, problems), undefined, bad);
    assert.match(problems[0] ?? '', new RegExp(`^invalid --listen ".*": expected HOST:PORT`), bad);
  }
});

test('the secret file: a trailing newline is trimmed, an empty or missing file is refused; --listen needs --watch and a secret', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-secret-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const problems: string[] = [];
  assert.equal(readWebhookSecret(file('ok', 'abc\n'), problems)?.toString(), 'abc');
  assert.equal(readWebhookSecret(file('crlf', 'abc\r\n'), problems)?.toString(), 'abc');
  assert.deepEqual(problems, []);
  assert.equal(readWebhookSecret(file('empty', '\n'), problems), undefined);
  assert.equal(readWebhookSecret(join(dir, 'missing'), problems), undefined);
  assert.match(problems[0]!, /--webhook-secret-file ".*empty" is empty/);
  assert.match(problems[1]!, /cannot read --webhook-secret-file ".*missing": no such file/);

  const check = (flags: Parameters<typeof checkHookFlags>[0]) => {
    const p: string[] = [];
    checkHookFlags(flags, p);
    return p;
  };
  assert.deepEqual(check({ watch: true, listen: '127.0.0.1:0', webhookSecretFile: join(dir, 'ok') }), []);
  assert.deepEqual(check({ watch: false }), []);
  assert.match(check({ watch: false, listen: '127.0.0.1:0', webhookSecretFile: join(dir, 'ok') }).join('\n'), /--listen needs --watch/);
  assert.match(check({ watch: true, listen: '127.0.0.1:0' }).join('\n'), /--listen needs --webhook-secret-file/);
  assert.match(check({ watch: true, webhookSecretFile: join(dir, 'ok') }).join('\n'), /--webhook-secret-file goes with --listen/);
});

test('a nudge ends the wait of the pass that asked last', () => {
  const w = new Wakeup();
  const first = w.next();
  const second = w.next();
  w.nudge();
  assert.equal(second.aborted, true);
  assert.equal(first.aborted, false, 'an earlier pass is long over');
  assert.equal(w.next().aborted, false);
});
