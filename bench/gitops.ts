// GitOps latency on the tutorial's app: with `sync --watch --interval 1s`, the
// time from `git push` to "deployed <revision>" (rolled out), median of several
// commits; and the wall time of `gdeploy rollback <sha>`. The tutorial's Flux
// set-up polls every 5 s and reports nothing when the rollout ends.
import { performance } from 'node:perf_hooks';
import { cluster as testCluster } from '../test/helpers/cluster.js';
import { helloWorldFlask, makeRepo } from '../test/helpers/gitrepo.js';
import { median, report, timeItAsync } from './lib.js';

const COMMITS = Number(process.env.BENCH_RUNS ?? 5);

// The tests' cluster fixture, its clean-up run at the end (as a test's t.after hooks would be).
const cleanups: (() => Promise<void> | void)[] = [];
const cluster = await testCluster(
  { name: 'bench gitops', after: (fn) => cleanups.push(fn), skip: () => undefined },
  { sandbox: { timeFactor: 0.1 } },
);
const repo = await makeRepo();
try {
  const tags = ['latest', 'v1'];
  const first = await repo.commit({ 'deployment.yaml': helloWorldFlask('latest') }, 'latest');
  const watch = cluster.spawn(['sync', '--repo', repo.remote, '--watch', '--interval', '1s']);
  await watch.waitFor(new RegExp(`deployed main@sha1:${first}`));

  const pushToDeployed: number[] = [];
  const shas = [first];
  for (let i = 0; i < COMMITS; i++) {
    const mark = watch.output().length;
    const t0 = performance.now();
    const sha = await repo.commit({ 'deployment.yaml': helloWorldFlask(tags[(i + 1) % 2]!, { replicas: 2 + (i % 2) }) }, `change ${i}`);
    await watch.waitFor(new RegExp(`deployed main@sha1:${sha}`), mark);
    pushToDeployed.push(performance.now() - t0);
    shas.push(sha);
  }
  await watch.stop('SIGTERM');

  const rollbacks: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    const target = shas[i % 2]!;
    rollbacks.push(
      await timeItAsync(async () => {
        const r = await cluster.gdeploy(['rollback', target.slice(0, 10), '--app', repo.name]);
        if (r.code !== 0) throw new Error(`rollback failed (${r.code}): ${r.stderr}`);
      }),
    );
  }

  report('gitops (tutorial app, 2 replicas, sandbox)', [
    { name: `git push -> new revision rolled out (--watch --interval 1s, ${COMMITS} commits)`, medianMs: median(pushToDeployed), note: 'Flux in the tutorial: up to 5 s poll, no rollout wait' },
    { name: 'gdeploy rollback <sha> (wall time, rollout included)', medianMs: median(rollbacks) },
  ]);
} finally {
  for (const fn of cleanups) await fn();
  await repo.cleanup();
}
