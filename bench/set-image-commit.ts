// What writing a hot fix back to git costs: `set-image --commit` (edit the
// manifest at the branch head, commit, push to a local bare repository, sync
// that commit, roll out) next to `set-image` alone (apply, roll out), on the
// tutorial's app, alternating images so that every run changes something.
// The difference is the git part (fetch, edit, commit, push, and sync's plan).
import { cluster as testCluster } from '../test/helpers/cluster.js';
import { helloWorldFlask, makeRepo } from '../test/helpers/gitrepo.js';
import { median, report, timeItAsync } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IMAGES = ['lyzhang1999/hello-world-flask:v1', 'lyzhang1999/hello-world-flask:latest'];

const cleanups: (() => Promise<void> | void)[] = [];
const cluster = await testCluster({ name: 'bench set-image-commit', after: (fn) => cleanups.push(fn), skip: () => undefined }, { sandbox: { timeFactor: 0.1 } });
const repo = await makeRepo();
try {
  await repo.commit({ 'deployment.yaml': helloWorldFlask('latest') }, 'latest');
  const run = async (args: string[]) => {
    const r = await cluster.gdeploy(args);
    if (r.code !== 0) throw new Error(`gdeploy ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  };
  await run(['sync', '--repo', repo.remote, '--app', repo.name]);

  const plain: number[] = [];
  const committed: number[] = [];
  const [NEW, OLD] = IMAGES as [string, string];
  const setImage = (image: string, ...extra: string[]) => run(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${image}`, ...extra]);
  for (let i = 0; i < RUNS; i++) {
    // Both start from the same state, git and the cluster on OLD, and change it to NEW.
    plain.push(await timeItAsync(() => setImage(NEW)));
    await run(['sync', '--repo', repo.remote, '--app', repo.name]);
    committed.push(await timeItAsync(() => setImage(NEW, '--commit')));
    await setImage(OLD, '--commit');
  }
  report('set-image --commit (tutorial app, 2 replicas, sandbox, local bare repository)', [
    { name: `set-image (apply + rollout), ${RUNS} runs`, medianMs: median(plain) },
    { name: `set-image --commit (edit, commit, push, sync, rollout), ${RUNS} runs`, medianMs: median(committed), note: `git part: ${Math.round(median(committed) - median(plain))} ms` },
  ]);
} finally {
  for (const fn of cleanups) await fn();
  await repo.cleanup();
}
