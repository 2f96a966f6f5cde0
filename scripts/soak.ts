// Soak: `gdeploy sync --watch` runs for a long while against a sandbox that
// injects a random fault every few seconds (500, 503 and 429 answers, slow
// answers, cut watches, an API server restart now and then) while commits
// land every few seconds (image tags, replicas, a ConfigMap value, objects
// added and removed, now and then an image that does not exist). Then the
// faults stop, a last commit lands, and the run is judged:
//
//   - the cluster matches the last commit: every object of it exists with the
//     commit's content, the Deployment has rolled out, objects removed from
//     the repository are gone; each object's gdeploy.dev/revision names the
//     commit its content came from (gdeploy leaves an object alone when only
//     that annotation would change, so it is the last commit, or an earlier
//     one after which the object's manifest did not change);
//   - history is complete: its newest record is the last commit, succeeded;
//     the records it keeps (the newest MAX_REVISIONS) are numbered without a
//     gap, each with a final result (succeeded or failed, none interrupted);
//     every release the watcher announced within that window is there with
//     the same commit and result; every landed commit was either deployed or
//     superseded (a newer commit was already on the branch when the watcher
//     next fetched, so it was never announced), and the watcher never went
//     back to a commit older than one it had deployed;
//   - the watcher is still running, exits 130 on SIGINT and leaves the app's
//     lock free;
//   - memory did not grow without bound: the watcher's RSS at the end is at
//     most --max-growth-mb above its RSS after the first deploy.
//
// Not part of `npm test`. Needs the built CLI (npm run build). Exits 0 when
// every check passes, 1 when one fails, 2 when the run could not be set up.
//   node --import tsx scripts/soak.ts [--minutes 10] [--seed N] [--max-growth-mb 64]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { MAX_REVISIONS, REVISION_ANNOTATION } from '../src/engine/history.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import type { KubeObject } from '../src/sandbox/types.js';

// GDEPLOY_BIN soaks another build of the CLI (a copy, say, that a rebuild of this tree cannot change under a long run).
const BIN = process.env.GDEPLOY_BIN ?? fileURLToPath(new URL('../bin/gdeploy.js', import.meta.url));
const APP = 'soak';
const IMAGE = 'lyzhang1999/hello-world-flask';
const GOOD_TAGS = ['latest', 'v1', 'v2', 'v3'];
/** The sandbox registry is told this tag does not exist: its rollout fails with ImagePullBackOff. */
const BROKEN_TAG = 'broken';
const RSS_EVERY_MS = 10_000;

interface Options {
  minutes: number;
  seed: number;
  maxGrowthMb: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      'max-growth-mb': { type: 'string', default: '64' },
    },
  });
  const minutes = Number(values.minutes);
  const seed = Number(values.seed);
  const maxGrowthMb = Number(values['max-growth-mb']);
  if (!(minutes > 0) || !Number.isInteger(seed) || !(maxGrowthMb > 0)) {
    throw new Error('usage: soak.ts [--minutes N > 0] [--seed INTEGER] [--max-growth-mb N > 0]');
  }
  return { minutes, seed, maxGrowthMb };
}

/** mulberry32: a small seeded generator, so a failing run can be repeated with its --seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// --- the repository ----------------------------------------------------------

/** What a commit holds; the manifests are rendered from it. */
interface AppState {
  tag: string;
  replicas: number;
  greeting: string;
  /** ConfigMaps extra-<n>: added and removed so that prune has work. */
  extras: number[];
}

interface Landed {
  sha: string;
  state: AppState;
}

function manifests(s: AppState): Record<string, string> {
  const files: Record<string, string> = {
    'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${s.replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${IMAGE}:${s.tag}
        ports:
        - containerPort: 5000
`,
    'settings.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: "${s.greeting}"
`,
  };
  for (const n of s.extras) {
    files[`extra-${n}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra-${n}\ndata:\n  n: "${n}"\n`;
  }
  return files;
}

const run = promisify(execFile);
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Soak',
  GIT_AUTHOR_EMAIL: 'soak@example.com',
  GIT_COMMITTER_NAME: 'Soak',
  GIT_COMMITTER_EMAIL: 'soak@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd, env: GIT_ENV })).stdout.trim();
}

class Repo {
  readonly remote: string;
  private readonly work: string;

  private constructor(root: string) {
    this.remote = join(root, `${APP}.git`);
    this.work = join(root, 'work');
  }

  static async create(root: string): Promise<Repo> {
    const r = new Repo(root);
    mkdirSync(r.remote);
    await git(r.remote, 'init', '--quiet', '--bare', '--initial-branch=main');
    await git(root, 'init', '--quiet', '--initial-branch=main', r.work);
    await git(r.work, 'remote', 'add', 'origin', r.remote);
    return r;
  }

  /** Makes the working tree hold exactly `files` (*.yaml), commits and pushes. */
  async commit(files: Record<string, string>, message: string): Promise<string> {
    for (const name of (await git(this.work, 'ls-files')).split('\n')) {
      if (name && !(name in files)) rmSync(join(this.work, name));
    }
    for (const [name, content] of Object.entries(files)) writeFileSync(join(this.work, name), content);
    await git(this.work, 'add', '--all');
    await git(this.work, 'commit', '--quiet', '--allow-empty', '-m', message);
    await git(this.work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
    return git(this.work, 'rev-parse', 'HEAD');
  }
}

// --- the watcher -------------------------------------------------------------

/** One line of `sync --watch -o json`: a release the watcher finished. */
interface Release {
  sha: string;
  result: string;
  number?: number;
  reason?: string;
}

class Watcher {
  readonly releases: Release[] = [];
  private readonly child: ChildProcess;
  private stderrTail: string[] = [];
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exited = false;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        this.onLine(out.slice(0, nl));
        out = out.slice(nl + 1);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      // Only the end is kept: a long run must not make this process grow.
      this.stderrTail = [...this.stderrTail, ...d.split('\n').filter((l) => l !== '')].slice(-40);
    });
    this.exit = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        this.exited = true;
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return !this.exited;
  }

  stderr(): string {
    return this.stderrTail.join('\n');
  }

  async waitForRelease(sha: string, timeoutMs: number): Promise<Release | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.running) {
      const r = this.releases.find((x) => x.sha === sha && x.result === 'succeeded');
      if (r) return r;
      await sleep(250);
    }
    return undefined;
  }

  async stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exit;
  }

  private onLine(line: string): void {
    if (!line.startsWith('{')) return;
    try {
      const doc = JSON.parse(line) as { kind?: string; sha?: string; result?: string; number?: number; reason?: string };
      if (doc.kind !== 'Release' || !doc.sha || !doc.result) return;
      this.releases.push({ sha: doc.sha, result: doc.result, ...(doc.number !== undefined ? { number: doc.number } : {}), ...(doc.reason ? { reason: doc.reason } : {}) });
    } catch {
      // Not a release document.
    }
  }
}

/** The resident set size of a process, in MiB, as the kernel reports it. */
function rssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

// --- faults ------------------------------------------------------------------

type FaultKind = 'error' | 'delay' | 'cut-watches' | 'restart';

const FAULT_PATHS = [
  '/apis/apps/v1/namespaces/default/deployments',
  '/api/v1/namespaces/default/configmaps',
  `/api/v1/namespaces/default/configmaps/gdeploy.${APP}`,
  '/apis/coordination.k8s.io/v1/namespaces/default/leases',
  '/apis/apps/v1/namespaces/default/replicasets',
  '/api/v1/namespaces/default/pods',
  '/api/v1/namespaces/default/events',
  '/apis',
  '/api',
];
const FAULT_VERBS = [undefined, 'get', 'list', 'watch', 'patch', 'create', 'update', 'delete'];

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

async function injectFault(sb: Sandbox, rand: () => number): Promise<FaultKind> {
  const r = rand();
  const faults = sb.hooks.faults;
  const path = pick(rand, FAULT_PATHS);
  const verb = pick(rand, FAULT_VERBS);
  if (r < 0.55) {
    const status = pick(rand, [500, 503, 429]);
    faults.failNext({ path, ...(verb ? { verb } : {}), status, count: 1 + Math.floor(rand() * 3), retryAfterSeconds: 1 });
    return 'error';
  }
  if (r < 0.8) {
    faults.delay({ path, ...(verb ? { verb } : {}), ms: 200 + Math.floor(rand() * 2000), count: 1 + Math.floor(rand() * 4) });
    return 'delay';
  }
  if (r < 0.93) {
    faults.cutWatches();
    return 'cut-watches';
  }
  await sb.restart();
  return 'restart';
}

// --- commits -----------------------------------------------------------------

/** The next commit's content: one or two changes to the previous one; every tenth brings an image that does not exist, the one after fixes it. */
function nextState(prev: AppState, rand: () => number, n: number): { state: AppState; message: string } {
  const s: AppState = { ...prev, extras: [...prev.extras] };
  if (prev.tag === BROKEN_TAG) {
    // The fix for a bad image: the next commit always brings a good one.
    s.tag = pick(rand, GOOD_TAGS);
    return { state: s, message: `fix image: ${s.tag}` };
  }
  if (n % 10 === 5) {
    s.tag = BROKEN_TAG;
    return { state: s, message: 'image that does not exist' };
  }
  const r = rand();
  const changes: string[] = [];
  if (r < 0.35) {
    s.tag = pick(rand, GOOD_TAGS.filter((t) => t !== prev.tag));
    changes.push(`image ${s.tag}`);
  } else if (r < 0.5) {
    s.replicas = 1 + Math.floor(rand() * 3);
    changes.push(`replicas ${s.replicas}`);
  } else if (r < 0.75 || s.extras.length === 0) {
    s.extras.push(n);
    changes.push(`add extra-${n}`);
  } else {
    const [gone] = s.extras.splice(Math.floor(rand() * s.extras.length), 1);
    changes.push(`remove extra-${gone}`);
  }
  s.greeting = `hello #${n}`;
  changes.push(`greeting #${n}`);
  return { state: s, message: changes.join(', ') };
}

// --- the verdict -------------------------------------------------------------

interface HistoryRecord {
  number: number;
  result: string;
  sha?: string;
  action: string;
}

/**
 * The commits whose revision an object of `file` may carry at the end: gdeploy
 * does not rewrite an object whose content did not change (the annotation
 * names where the content came from), so any commit of the last run of
 * commits in which the file reads as it does at the end.
 */
function acceptableRevisions(landed: Landed[], file: string): Set<string> {
  const last = manifests(landed.at(-1)!.state)[file];
  const shas = new Set<string>();
  for (let i = landed.length - 1; i >= 0 && manifests(landed[i]!.state)[file] === last; i--) shas.add(landed[i]!.sha);
  return shas;
}

function clusterProblems(sb: Sandbox, landed: Landed[], everExtras: Set<number>): string[] {
  const problems: string[] = [];
  const last = landed.at(-1)!;
  const get = (group: string, kind: string, name: string): KubeObject | undefined => sb.store.get(sb.store.resourceFor(group, kind)!, 'default', name);
  const annotated = (o: KubeObject, id: string, file: string) => {
    const rev = o.metadata.annotations?.[REVISION_ANNOTATION] ?? '';
    const sha = /sha1:([0-9a-f]{40})$/.exec(rev)?.[1];
    if (!sha || !acceptableRevisions(landed, file).has(sha)) {
      problems.push(`${id}: ${REVISION_ANNOTATION} is ${JSON.stringify(rev)}, not a commit whose ${file} reads as the last commit's`);
    }
  };

  const dep = get('apps', 'Deployment', 'web') as (KubeObject & { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } }; status?: Record<string, number> }) | undefined;
  if (!dep) problems.push('Deployment/default/web is missing');
  else {
    const image = dep.spec.template.spec.containers[0]?.image;
    if (image !== `${IMAGE}:${last.state.tag}`) problems.push(`Deployment/default/web runs ${image}, the last commit says ${IMAGE}:${last.state.tag}`);
    if (dep.spec.replicas !== last.state.replicas) problems.push(`Deployment/default/web has ${dep.spec.replicas} replicas, the last commit says ${last.state.replicas}`);
    const st = dep.status ?? {};
    if (st.updatedReplicas !== last.state.replicas || st.readyReplicas !== last.state.replicas || st.observedGeneration !== dep.metadata.generation) {
      problems.push(`Deployment/default/web has not rolled out: ${JSON.stringify(st)}`);
    }
    annotated(dep, 'Deployment/default/web', 'deployment.yaml');
  }
  const settings = get('', 'ConfigMap', 'settings');
  if (!settings) problems.push('ConfigMap/default/settings is missing');
  else {
    const greeting = (settings.data as Record<string, string> | undefined)?.greeting;
    if (greeting !== last.state.greeting) problems.push(`ConfigMap/default/settings has greeting ${JSON.stringify(greeting)}, the last commit says ${JSON.stringify(last.state.greeting)}`);
    annotated(settings, 'ConfigMap/default/settings', 'settings.yaml');
  }
  for (const n of everExtras) {
    const o = get('', 'ConfigMap', `extra-${n}`);
    const wanted = last.state.extras.includes(n);
    if (wanted && !o) problems.push(`ConfigMap/default/extra-${n} is in the last commit but missing`);
    if (wanted && o) annotated(o, `ConfigMap/default/extra-${n}`, `extra-${n}.yaml`);
    if (!wanted && o) problems.push(`ConfigMap/default/extra-${n} was removed from the repository but is still there (not pruned)`);
  }
  return problems;
}

function historyProblems(records: HistoryRecord[], landed: Landed[], releases: Release[]): { problems: string[]; released: number; superseded: number } {
  const problems: string[] = [];
  const last = landed.at(-1)!;
  const newest = records[0];
  if (!newest || newest.sha !== last.sha || newest.result !== 'succeeded') {
    problems.push(`the newest history record is ${JSON.stringify(newest)}, not the last commit ${last.sha} succeeded`);
  }
  for (let i = 1; i < records.length; i++) {
    if (records[i]!.number !== records[i - 1]!.number - 1) problems.push(`history skips from revision ${records[i - 1]!.number} to ${records[i]!.number}`);
  }
  const expectedKept = Math.min(MAX_REVISIONS, newest?.number ?? 0);
  if (records.length !== expectedKept) problems.push(`history keeps ${records.length} records, expected ${expectedKept}`);
  for (const r of records) {
    if (r.result !== 'succeeded' && r.result !== 'failed') problems.push(`revision ${r.number} ended ${r.result}`);
    if (r.action !== 'sync') problems.push(`revision ${r.number} is a ${r.action}, only syncs ran`);
  }

  const order = new Map(landed.map((l, i) => [l.sha, i]));
  const byNumber = new Map(records.map((r) => [r.number, r]));
  const oldestKept = records.at(-1)?.number ?? 0;
  let highest = -1;
  for (const rel of releases) {
    const at = order.get(rel.sha);
    if (at === undefined) {
      problems.push(`the watcher released ${rel.sha}, which never landed`);
      continue;
    }
    if (at < highest) problems.push(`the watcher went back to ${rel.sha} (commit ${at + 1}) after deploying commit ${highest + 1}`);
    highest = Math.max(highest, at);
    if (rel.number === undefined) continue;
    if (rel.number < oldestKept) continue;
    const rec = byNumber.get(rel.number);
    if (!rec) problems.push(`revision ${rel.number} (${rel.sha}, ${rel.result}) was announced but is not in history`);
    else if (rec.sha !== rel.sha || rec.result !== rel.result) {
      problems.push(`revision ${rel.number} was announced as ${rel.sha} ${rel.result}, history says ${rec.sha} ${rec.result}`);
    }
  }
  // A commit nobody announced was superseded: a newer one was already on the branch when the watcher fetched.
  const announced = new Set(releases.map((r) => r.sha));
  const released = landed.filter((l) => announced.has(l.sha)).length;
  return { problems, released, superseded: landed.length - released };
}

// --- main --------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = options();
  if (!existsSync(join(dirname(BIN), '..', 'dist', 'cli.js'))) throw new Error(`the CLI is not built (${BIN}): run npm run build first`);
  const rand = random(opts.seed);
  const root = mkdtempSync(join(tmpdir(), 'gdeploy-soak-'));
  // Simulated seconds at a tenth of real time: probes and deadlines behave as on a cluster that is not in a hurry.
  const sb = await startSandbox({ readyDelayMs: 0, timeFactor: 0.1, kubeconfigPath: join(root, 'kubeconfig') });
  sb.hooks.images.setRule(`*:${BROKEN_TAG}`, 'missing');
  const counts = { error: 0, delay: 0, 'cut-watches': 0, restart: 0 } satisfies Record<FaultKind, number>;
  const landed: Landed[] = [];
  const everExtras = new Set<number>();
  const rss: number[] = [];
  let watcher: Watcher | undefined;
  const failures: string[] = [];
  try {
    const repo = await Repo.create(root);
    let state: AppState = { tag: 'latest', replicas: 2, greeting: 'hello #0', extras: [] };
    const land = async (s: AppState, message: string) => {
      s.extras.forEach((n) => everExtras.add(n));
      landed.push({ sha: await repo.commit(manifests(s), message), state: s });
    };
    await land(state, 'first');

    watcher = new Watcher(
      ['sync', '--repo', repo.remote, '--branch', 'main', '--app', APP, '--watch', '--interval', '1s', '--timeout', '2m', '-o', 'json', '--kubeconfig', sb.kubeconfigPath],
      { ...process.env, NO_COLOR: '1', CI: 'true', KUBECONFIG: '', XDG_CACHE_HOME: join(root, 'cache') },
    );
    const w = watcher;
    if (!(await w.waitForRelease(landed[0]!.sha, 120_000))) throw new Error(`the first commit was not deployed:\n${w.stderr()}`);
    const startRss = rssMb(w.pid);
    if (startRss !== undefined) rss.push(startRss);
    log(`seed ${opts.seed}; first commit deployed; watcher pid ${w.pid}, RSS ${fmt(startRss)}; running for ${opts.minutes} min`);

    const end = Date.now() + opts.minutes * 60_000;
    let nextFault = Date.now() + 2000;
    let nextCommit = Date.now() + 5000;
    let nextSample = Date.now() + RSS_EVERY_MS;
    let n = 0;
    while (Date.now() < end && w.running) {
      const now = Date.now();
      if (now >= nextFault) {
        counts[await injectFault(sb, rand)]++;
        nextFault = now + 2000 + rand() * 3000;
      }
      if (now >= nextCommit) {
        const next = nextState(state, rand, ++n);
        state = next.state;
        await land(state, next.message);
        nextCommit = now + 5000 + rand() * 5000;
      }
      if (now >= nextSample) {
        const mb = rssMb(w.pid);
        if (mb !== undefined) rss.push(mb);
        nextSample = now + RSS_EVERY_MS;
        const minutesLeft = Math.max(0, (end - now) / 60_000);
        log(`${landed.length} commits, ${w.releases.length} releases, ${Object.values(counts).reduce((a, b) => a + b, 0)} faults; RSS ${fmt(mb)}; ${minutesLeft.toFixed(1)} min left`);
      }
      await sleep(200);
    }
    if (!w.running) failures.push(`the watcher exited during the run:\n${w.stderr()}`);

    // The calm after: no more faults, one last commit, and time to converge.
    sb.hooks.faults.clear();
    await land({ ...state, extras: [...state.extras], tag: state.tag === BROKEN_TAG ? GOOD_TAGS[0]! : state.tag, greeting: 'hello, last' }, 'last');
    const last = landed.at(-1)!;
    if (w.running && !(await w.waitForRelease(last.sha, 180_000))) failures.push(`the last commit ${last.sha} was not deployed within 3 minutes:\n${w.stderr()}`);
    let clusterIssues = clusterProblems(sb, landed, everExtras);
    for (let i = 0; i < 60 && clusterIssues.length > 0; i++) {
      await sleep(1000);
      clusterIssues = clusterProblems(sb, landed, everExtras);
    }
    failures.push(...clusterIssues);
    const endRss = rssMb(w.pid);
    if (endRss !== undefined) rss.push(endRss);

    if (!w.running) failures.push('the watcher was not running at the end');
    const stopped = await w.stop('SIGINT');
    if (stopped.code !== 130) failures.push(`the watcher exited ${stopped.code ?? stopped.signal} on SIGINT, not 130:\n${w.stderr()}`);

    const history = await gdeploy(['history', '--app', APP, '-o', 'json', '--kubeconfig', sb.kubeconfigPath]);
    const records = (JSON.parse(history) as { revisions: HistoryRecord[] }).revisions;
    const verdict = historyProblems(records, landed, w.releases);
    failures.push(...verdict.problems);
    const lease = sb.store.get(sb.store.resourceFor('coordination.k8s.io', 'Lease')!, 'default', `gdeploy-lock.${APP}`);
    const holder = (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
    if (holder) failures.push(`the lock gdeploy-lock.${APP} is still held by ${holder}`);

    const growth = startRss !== undefined && endRss !== undefined ? endRss - startRss : undefined;
    if (growth === undefined) failures.push('RSS could not be read from /proc');
    else if (growth > opts.maxGrowthMb) failures.push(`RSS grew by ${growth.toFixed(1)} MiB (from ${fmt(startRss)} to ${fmt(endRss)}), more than ${opts.maxGrowthMb} MiB`);

    const results = countBy(w.releases.filter((r) => r.number !== undefined).map((r) => r.result));
    // Passes that recorded nothing: up to date (drift put back, or nothing to do), or failed before their first write.
    const unrecorded = countBy(w.releases.filter((r) => r.number === undefined).map((r) => r.result));
    log('');
    log(`seed:      ${opts.seed}`);
    log(`duration:  ${opts.minutes} min`);
    log(`faults:    ${Object.values(counts).reduce((a, b) => a + b, 0)} (${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    log(`commits:   ${landed.length} landed, ${verdict.released} released (deployed, or failed and recorded so), ${verdict.superseded} superseded`);
    log(`syncs:     ${w.releases.filter((r) => r.number !== undefined).length} recorded releases (${Object.entries(results).map(([k, v]) => `${k} ${v}`).join(', ')}); history at revision ${records[0]?.number ?? 0}, keeps ${records.length}`);
    log(`           ${Object.values(unrecorded).reduce((a, b) => a + b, 0)} passes recorded nothing (${Object.entries(unrecorded).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})`);
    log(`RSS:       start ${fmt(startRss)}, end ${fmt(endRss)}, max ${fmt(Math.max(...rss))} (bound: end <= start + ${opts.maxGrowthMb} MiB)`);
    log(`verdict:   ${failures.length === 0 ? 'PASS' : `FAIL (${failures.length})`}`);
    for (const f of failures) log(`  - ${f}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await watcher?.stop('SIGKILL');
    await sb.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

function gdeploy(args: string[]): Promise<string> {
  return run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', CI: 'true', KUBECONFIG: '' }, maxBuffer: 64 << 20 }).then((r) => r.stdout);
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

function fmt(mb: number | undefined): string {
  return mb === undefined ? '?' : `${mb.toFixed(1)} MiB`;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
