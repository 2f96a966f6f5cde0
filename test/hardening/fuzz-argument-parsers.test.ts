// The argument parsers never crash on bad input: durations, image references,
// CONTAINER=IMAGE pairs, resource arguments, label selectors, object and app
// names, repository URLs, refs and paths, and editor commands either parse or
// fail with gdeploy's own error naming what was wrong, and never accept what
// Kubernetes, the kubelet or git would refuse. Then the built CLI is given
// random argument vectors for every command, with no cluster: usage errors
// (exit 2) or a one-line error (exit 1), never a stack trace. Bounded here;
// raise FUZZ_RUNS to run more cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { durationProblem, MAX_DURATION_MS, parseDuration } from '../../src/commands/shared.js';
import { validate } from '../../src/commands/set-image.js';
import { UsageError } from '../../src/engine/errors.js';
import { imageReferenceProblem } from '../../src/engine/images.js';
import { validateAppName } from '../../src/engine/inventory.js';
import { labelSelectorProblem } from '../../src/engine/label-selector.js';
import { namespaceProblem, objectNameProblem } from '../../src/engine/names.js';
import { parseResourceArgs, resourceType } from '../../src/engine/resource-args.js';
import { checkRefName } from '../../src/git/mirror.js';
import { normaliseRepoPath } from '../../src/git/tree.js';
import { parseRepoUrl } from '../../src/git/url.js';
import { splitWords } from '../../src/ui/editor.js';
import { buildProgram } from '../../src/cli.js';
import { REPO_ROOT } from '../helpers/cli.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const opts = { numRuns: RUNS };

/** Runs `fn`; it may return, or throw gdeploy's usage error, never anything else. */
function parsesOrRefuses<T>(fn: () => T): T | UsageError {
  try {
    return fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `not a usage error: ${err instanceof Error ? err.stack : String(err)}`);
    assert.ok(err.message.length > 0 && !err.message.includes('\n    at '), err.message);
    return err;
  }
}

/** Random text, and text built from the characters these parsers care about. */
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.array(fc.constantFrom(...'aZ09-_./:@=,!()<>*\'"\\ \t$;|&`~^?[]{}%#sS\u00b5\u03bc'.split(''), 'in', 'notin', 'sha256:', '..', 'ms', 'h', 'm'), { maxLength: 16 }).map((a) => a.join('')),
);

/** Random edits (delete, insert, replace) of a valid example. */
function mutated(examples: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...examples), fc.array(fc.tuple(fc.nat(80), fc.nat(3), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 3 }))
    .map(([text, edits]) => edits.reduce((t, [at, del, ins]) => t.slice(0, at % (t.length + 1)) + ins + t.slice((at % (t.length + 1)) + del), text));
}

// --- durations ---------------------------------------------------------------

// Go's time.ParseDuration grammar (what kubectl's --timeout takes), plus the
// bare number of seconds that kubectl's --request-timeout also takes.
const GO_DURATION = /^[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/;
const BARE_SECONDS = /^[-+]?\d+(\.\d+)?$/;

test('durations: random and mutated values parse or are refused with the reason, never beyond what Go accepts', () => {
  fc.assert(
    fc.property(fc.oneof(hostile, mutated(['90s', '5m', '1m30s', '500ms', '1.5h', '0', '30'])), (s) => {
      const ms = parseDuration(s);
      const why = durationProblem(s);
      assert.equal(ms === undefined, why !== undefined, s);
      if (ms === undefined) return;
      assert.ok(GO_DURATION.test(s) || BARE_SECONDS.test(s), `accepted "${s}", which is not a Go duration`);
      assert.ok(Number.isFinite(ms) && ms >= 0 && ms <= MAX_DURATION_MS, `"${s}" -> ${ms}`);
    }),
    opts,
  );
});

test('durations: a sum of number-unit parts reads back as the sum; too long or negative is refused', () => {
  const unitMs = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 1e-3, ns: 1e-6 } as const;
  const part = fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(...(Object.keys(unitMs) as (keyof typeof unitMs)[])));
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
      const text = parts.map(([n, u]) => `${n}${u}`).join('');
      const sum = parts.reduce((t, [n, u]) => t + n * unitMs[u], 0);
      if (sum > MAX_DURATION_MS) {
        assert.match(durationProblem(text) ?? '', /longer than/);
      } else {
        assert.ok(Math.abs(parseDuration(text)! - sum) < 1e-6 * Math.max(1, sum), `${text}: ${parseDuration(text)} != ${sum}`);
        if (sum > 0) assert.equal(durationProblem(`-${text}`), 'a duration must not be negative');
      }
    }),
    opts,
  );
});

// --- image references ------------------------------------------------------

// Generators for the grammar of github.com/distribution/reference.
const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const pathComponent = fc.tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 })).map(([a, rest]) => a + rest.map(([s, b]) => s + b).join(''));
const domain = fc
  .tuple(fc.array(fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,4}[a-zA-Z0-9])?$/), { minLength: 2, maxLength: 3 }), fc.option(fc.integer({ min: 1, max: 65535 })))
  .map(([parts, port]) => parts.join('.') + (port === null ? '' : `:${port}`));
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
const hex = (n: number) => fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: n, maxLength: n }).map((a) => a.join(''));
const digest = fc.constantFrom(['sha256', 64] as const, ['sha384', 96] as const, ['sha512', 128] as const).chain(([alg, n]) => hex(n).map((h) => `${alg}:${h}`));
const validReference = fc
  .tuple(fc.option(domain), fc.array(pathComponent, { minLength: 1, maxLength: 3 }), fc.option(tag), fc.option(digest))
  .map(([d, path, t, dg]) => `${d === null ? '' : `${d}/`}${path.join('/')}${t === null ? '' : `:${t}`}${dg === null ? '' : `@${dg}`}`)
  .filter((ref) => !/^[a-f0-9]{64}$/.test(ref));

// Cases from distribution/reference's own tests and the kubelet's behaviour.
const KNOWN_GOOD = ['test_com', 'test.com:tag', 'test.com:5000', 'test.com/repo:tag', 'test:5000/repo', 'test:5000/repo:tag', 'lowercase:Uppercase', 'sub-dom1.foo.com/bar/baz/quux', 'b.gcr.io/test.example.com/my-app:test.example.com', 'xn--n3h.com/myimage:xn--n3h.com', 'foo_bar.com:8080', 'foo/foo_bar.com:8080', '[2001:db8::1]:5000/repo', `repo@sha256:${'f'.repeat(64)}`, `repo:tag@sha512:${'a'.repeat(128)}`, 'localhost/app', 'Foo/bar'];
const KNOWN_BAD = ['', ':justtag', `@sha256:${'f'.repeat(64)}`, 'repo@sha256:ffffffffffffffffffffffffffffffffff', `repo@sha256:${'F'.repeat(64)}`, `repo@md5:${'a'.repeat(32)}`, 'Uppercase:tag', 'test:5000/Uppercase/lowercase:tag', 'aa/asdf$$^/aa', 'aa/a_-_b', 'aa/-a', 'aa/a.', `a:${'a'.repeat(129)}`, `a/${'a'.repeat(250)}`, 'a'.repeat(64), 'nginx:', 'nginx 1', ' nginx', 'nginx\t', 'repo::tag', 'repo@', '[fe80::1%eth0]:5000/repo', '-nginx', 'nginx-', 'a..b'];

test('image references: what distribution/reference accepts is accepted; its refusals are refused with a reason', () => {
  for (const ok of KNOWN_GOOD) assert.equal(imageReferenceProblem(ok), undefined, ok);
  for (const bad of KNOWN_BAD) assert.ok(imageReferenceProblem(bad), `accepted ${JSON.stringify(bad)}`);
  fc.assert(fc.property(validReference, (ref) => assert.equal(imageReferenceProblem(ref), undefined, ref)), opts);
});

test('image references: random and mutated references never throw, and nothing accepted breaks the grammar', () => {
  fc.assert(
    fc.property(fc.oneof(hostile, mutated(KNOWN_GOOD), validReference.chain((r) => mutated([r]))), (ref) => {
      const why = imageReferenceProblem(ref);
      if (why !== undefined) {
        assert.equal(typeof why, 'string');
        return;
      }
      // What the kubelet checks before anything else: no spaces, a lower-case path, a sane tag and digest.
      assert.ok(!/\s/.test(ref) && ref !== '', ref);
      const [nameAndTag, dg] = ref.split('@') as [string, string | undefined];
      const path = nameAndTag.replace(/:[\w][\w.-]{0,127}$/, '').split('/');
      const repo = path.length > 1 && /[.:A-Z]|^localhost$/.test(path[0]!) ? path.slice(1) : path;
      for (const c of repo) assert.match(c, /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/, `${ref}: path component ${c}`);
      if (dg !== undefined) assert.match(dg, /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/, ref);
    }),
    opts,
  );
});

test('CONTAINER=IMAGE pairs: set-image accepts well-formed pairs as given, refuses the rest naming the pair', () => {
  const flags = { recursive: false, all: false, dryRun: false, wait: true, timeout: '5m', failureGrace: '5s', lockTimeout: '1m', waitFor: 'all' as const, rollbackOnFailure: false, output: 'table' as const };
  const pair = fc.oneof(
    fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), validReference).map(([c, r]) => `${c}=${r}`),
    mutated(['web=nginx:1', '*=registry.example.com/app:2', 'app=localhost:5000/x@sha256:' + 'a'.repeat(64)]),
    hostile,
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(pair, fc.constantFrom('deployment/web', 'deploy', 'web')), { minLength: 1, maxLength: 4 }), (args) => {
      const r = parsesOrRefuses(() => validate(args, flags));
      if (r instanceof UsageError) return;
      for (const arg of args.filter((a) => a.includes('='))) {
        const at = arg.indexOf('=');
        assert.equal(r.images.get(arg.slice(0, at)) !== undefined, true, arg);
        assert.equal(imageReferenceProblem(arg.slice(at + 1)), undefined, arg);
      }
    }),
    opts,
  );
  assert.throws(() => validate(['deployment/web', 'web=Nginx:Latest'], flags), /invalid image "Nginx:Latest" for container "web": repository name must be lowercase/);
});

// --- resource arguments, names, selectors -------------------------------------

const ALIASES = ['deployment', 'deployments', 'deploy', 'deployments.apps', 'Deployment', 'svc', 'cm', 'secret', 'cronjobs.batch', 'ns', 'clusterrole', 'statefulsets', 'ds'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

test('resource arguments: TYPE/NAME and TYPE NAME name the same objects; anything else is a usage error', () => {
  const name = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
  fc.assert(
    fc.property(fc.constantFrom(...ALIASES), fc.array(name, { minLength: 1, maxLength: 3 }), (alias, names) => {
      const slashed = parseResourceArgs(names.map((n) => `${alias}/${n}`), false);
      const spaced = parseResourceArgs([alias, ...names], false);
      assert.deepEqual(slashed, spaced);
      assert.deepEqual(slashed.named.map((x) => [x.type.kind, x.name]), names.map((n) => [resourceType(alias)!.kind, n]));
    }),
    opts,
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(hostile, fc.constantFrom(...ALIASES), mutated(['deployment/web', 'svc/db'])), { maxLength: 4 }), fc.boolean(), (args, selecting) => {
      const r = parsesOrRefuses(() => parseResourceArgs(args, selecting));
      if (r instanceof UsageError) return;
      for (const n of r.named) assert.equal(objectNameProblem(n.type.apiVersion, n.type.kind, n.name), undefined, n.name);
    }),
    opts,
  );
});

test('names: object, namespace and app names are checked without throwing, and only valid ones pass', () => {
  const name = fc.oneof(hostile, mutated(['web', 'hello-world-flask', 'a.b-c', 'kube-system']));
  fc.assert(
    fc.property(name, fc.constantFrom(['apps/v1', 'Deployment'], ['v1', 'Service'], ['v1', 'Namespace'], ['example.com/v1', 'Widget'], ['batch/v1', 'CronJob']), (n, [apiVersion, kind]) => {
      const why = objectNameProblem(apiVersion!, kind!, n);
      if (why === undefined) {
        // Every object name is a URL path segment; the built-in kinds' rules are stricter.
        assert.ok(n !== '' && n !== '.' && n !== '..' && !/[/%]/.test(n), n);
        if (kind !== 'Widget') assert.ok(n.split('.').every((p) => DNS_LABEL.test(p)) && n.length <= 253, `${kind} ${n}`);
        if (kind === 'Service' || kind === 'Namespace') assert.ok(DNS_LABEL.test(n) && n.length <= 63, `${kind} ${n}`);
      }
      if (namespaceProblem(n) === undefined) assert.ok(DNS_LABEL.test(n) && n.length <= 63, n);
      if (validateAppName(n) === undefined) assert.ok(DNS_LABEL.test(n), n);
    }),
    opts,
  );
});

test('label selectors: valid selectors pass, anything else gets a reason, nothing throws', () => {
  const key = fc.tuple(fc.option(fc.constantFrom('example.com/', 'app.kubernetes.io/')), fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?$/)).map(([p, k]) => (p ?? '') + k);
  const value = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?)?$/);
  const requirement = fc.oneof(
    key,
    key.map((k) => `!${k}`),
    fc.tuple(key, fc.constantFrom('=', '==', '!='), value).map(([k, op, v]) => `${k}${op}${v}`),
    fc.tuple(key, fc.constantFrom(' in ', ' notin '), fc.array(value.filter((v) => v !== ''), { minLength: 1, maxLength: 3 })).map(([k, op, vs]) => `${k}${op}(${vs.join(',')})`),
    fc.tuple(key, fc.constantFrom('>', '<'), fc.integer()).map(([k, op, n]) => `${k}${op}${n}`),
  );
  const selector = fc.array(requirement, { minLength: 1, maxLength: 3 }).map((rs) => rs.join(','));
  fc.assert(fc.property(selector, (s) => assert.equal(labelSelectorProblem(s), undefined, s)), opts);
  fc.assert(
    fc.property(fc.oneof(hostile, selector.chain((s) => mutated([s]))), (s) => {
      const why = labelSelectorProblem(s);
      assert.ok(why === undefined || (typeof why === 'string' && why.length > 0));
    }),
    opts,
  );
  for (const bad of ['app in (web', 'App=Web_', 'a,', 'x<a', 'a b', 'app in ()', 'a/b/c=x', '=x']) assert.ok(labelSelectorProblem(bad), bad);
});

// --- repository URL, ref and path; editor commands -------------------------

test('repository URLs: parsed or refused, never handed to git as an option, a helper or with a password', () => {
  fc.assert(
    fc.property(fc.oneof(hostile, mutated(['https://u:pw@git.example.com/a/b.git', 'git@github.com:acme/app.git', 'ssh://git@h:22/r.git', './repo', 'file:///srv/r.git'])), (raw) => {
      const r = parsesOrRefuses(() => parseRepoUrl(raw, '/work'));
      if (r instanceof UsageError) {
        const secret = /^[a-z+]+:\/\/[^@/]*:([^@/]+)@/i.exec(raw)?.[1];
        if (secret !== undefined) assert.ok(!r.message.includes(`:${secret}@`), `the password shows in: ${r.message}`);
        return;
      }
      assert.ok(!r.fetchUrl.startsWith('-'), r.fetchUrl);
      assert.ok(!/^[A-Za-z][A-Za-z0-9+.-]*::/.test(r.fetchUrl), r.fetchUrl);
      if (r.password !== undefined) assert.ok(!r.fetchUrl.includes(`:${r.password}@`) && !r.display.includes(`:${r.password}@`), r.display);
      assert.match(r.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }),
    opts,
  );
});

test('refs: what --branch and --ref accept, git check-ref-format accepts too', () => {
  // git is the judge; one shell runs it for every accepted ref, since a process per ref is slow.
  const candidates = fc.sample(fc.oneof(hostile, mutated(['main', 'release/v1.2', 'v1.0.0', 'feature/a-b_c'])), Math.min(400, Math.max(60, RUNS / 5)));
  const accepted = candidates.filter((ref) => !(parsesOrRefuses(() => checkRefName(ref, '--ref')) instanceof UsageError));
  assert.ok(accepted.length > 0, 'the generator produced no valid ref at all');
  const judge = spawnSync('sh', ['-c', 'for r do git check-ref-format --allow-onelevel "$r" || printf "%s\\n" "$r"; done', 'sh', ...accepted]);
  assert.equal(judge.error, undefined);
  assert.equal(judge.stdout.toString(), '', 'accepted refs that git refuses');
});

test('--path: accepted paths stay inside the repository', () => {
  fc.assert(
    fc.property(fc.oneof(hostile, mutated(['deploy/prod', './', '../x', 'a/../../b', 'a\\..\\..'])), (p) => {
      const r = parsesOrRefuses(() => normaliseRepoPath(p));
      if (r instanceof UsageError) return;
      const inside = posix.join('/repo', r);
      assert.ok(inside === '/repo' || (inside.startsWith('/repo/') && inside.split('/')[2] !== '..'), `${p} -> ${r}`);
      assert.ok(!posix.isAbsolute(r) && r.split('/').every((s) => s !== '..'), `${p} -> ${r}`);
    }),
    opts,
  );
});

test('editor commands: shell-quoted words come back as written; metacharacters stay literal', () => {
  const quote = (w: string) => `'${w.replaceAll("'", `'\\''`)}'`;
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 5 }), (words) => {
      assert.deepEqual(splitWords(words.map(quote).join(' ')), words);
    }),
    opts,
  );
  fc.assert(
    fc.property(fc.stringMatching(/^[^\s'"\\]{1,20}$/), (word) => assert.deepEqual(splitWords(word), [word])),
    opts,
  );
  fc.assert(fc.property(hostile, (line) => void parsesOrRefuses(() => splitWords(line))), opts);
});

// --- the whole command line -------------------------------------------------

const VALUES = [
  '', '-', '--', '-x', 'Bad_NS', 'default', '5 minutes', '-1s', '1000h', '0', '90s',
  'Web_1', 'web', 'deployment/web', 'deploy', 'web=nginx:1', 'web=Nginx:Latest', '*=x:1', '=x', 'nosuch=nginx:1', '../..', '/etc',
  'ext::sh -c x', 'app in (', 'app=web', '\u{1f4a5}', 'a'.repeat(300), 'json', 'yaml', 'table', 'bogus', '3', 'abc1234', 'HEAD~1',
];

test('the built CLI: random argument vectors for every command end in a usage error or a one-line error, never a stack trace', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-fuzz-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = join(dir, 'web.yaml');
  writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {k: v}\n');
  const missing = join(dir, 'no-kubeconfig');

  // Every flag of every command, as the program defines them; `sandbox` starts a server, so it is left out.
  const program = buildProgram();
  const commands = program.commands.filter((c) => !['sandbox', 'help'].includes(c.name()));
  const marker = join(dir, 'pwned');
  const value = fc.oneof(
    fc.constantFrom(...VALUES, manifest, `${dir}/nope.yaml`, `--upload-pack=touch ${marker}`, `ext::sh -c touch% ${marker}`),
    fc.string({ maxLength: 10 }).filter((s) => !s.includes('\0')),
  );
  // Vectors known to pass flag parsing, so the layers past it are always reached (random ones rarely
  // are): the kubeconfig, missing (2), and for `version` the server it cannot reach (1).
  const vectors: string[][] = [['version'], ['status'], ['apply', '-f', manifest], ['diff', '-f', manifest], ['history', '--app', 'web']].map((argv) => ['--kubeconfig', missing, ...argv]);
  for (const cmd of commands) {
    const flags = cmd.options.map((o) => o.long ?? o.short!).filter((f) => f !== '--help');
    const arg = fc.oneof(fc.constantFrom('-n', '--namespace', '-o', ...flags), value);
    for (const argv of fc.sample(fc.array(arg, { maxLength: 7 }), Math.min(150, Math.max(24, Math.round(RUNS / 10))))) {
      vectors.push(['--kubeconfig', missing, cmd.name(), ...argv]);
    }
  }

  // One process runs them all through the built CLI's main(), capturing what each prints.
  const runner = `
    import { main } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', 'cli.js')).href)};
    import { readFileSync } from 'node:fs';
    const vectors = JSON.parse(readFileSync(process.argv[1], 'utf8'));
    const results = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    for (const argv of vectors) {
      let stdout = '', stderr = '', code;
      process.stdout.write = (c) => ((stdout += c), true);
      process.stderr.write = (c) => ((stderr += c), true);
      try { code = await main(['node', 'gdeploy', ...argv]); }
      catch (e) { code = 'threw'; stderr += e && e.stack; }
      process.stdout.write = out;
      process.stderr.write = err;
      results.push({ argv, code, stdout, stderr });
    }
    out(JSON.stringify(results));`;
  const vectorsFile = join(dir, 'vectors.json');
  writeFileSync(vectorsFile, JSON.stringify(vectors));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', runner, vectorsFile], {
    cwd: REPO_ROOT,
    env: { ...process.env, KUBECONFIG: missing, NO_COLOR: '1', CI: 'true', KUBE_EDITOR: 'false', EDITOR: 'false' },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `the runner failed: ${r.stderr}`);
  const results = JSON.parse(r.stdout.toString()) as { argv: string[]; code: number | 'threw'; stdout: string; stderr: string }[];
  assert.equal(results.length, vectors.length);
  const codes = new Set<number | 'threw'>();
  for (const { argv, code, stdout, stderr } of results) {
    const where = `gdeploy ${argv.map((a) => JSON.stringify(a)).join(' ')}\n${stderr}`;
    codes.add(code);
    assert.ok(code === 0 || code === 1 || code === 2, `exit ${code}: ${where}`);
    assert.doesNotMatch(stdout + stderr, /^\s+at .+(:\d+:\d+\)?|\(node:)/m, `a stack trace: ${where}`);
    if (code === 0) continue;
    const errors = stderr.split('\n').filter((l) => /^error\b/.test(l));
    assert.equal(errors.length, 1, `not one error line: ${where}`);
    assert.match(stderr, /^error\b/, `the first line is not the error: ${where}`);
  }
  // Both kinds of failure were seen: a usage error (2) and, past the flags, an error (1).
  assert.ok(codes.has(2) && codes.has(1), `exit codes seen: ${[...codes].join(', ')}`);
  assert.equal(existsSync(marker), false, 'an argument was run as a command');
});
