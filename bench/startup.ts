// Start-up cost: `gdeploy --version` vs `kubectl version --client`, interleaved
// in the same run so both see the same machine load. Reports medians.
import { spawnSync } from 'node:child_process';
import { median, report, timeIt } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function wall(cmd: string, args: string[]): number {
  return timeIt(() => {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  });
}

const gdeploy: number[] = [];
const gdeployHelp: number[] = [];
const kubectl: number[] = [];
for (let i = 0; i < RUNS; i++) {
  gdeploy.push(wall(process.execPath, ['bin/gdeploy.js', '--version']));
  gdeployHelp.push(wall(process.execPath, ['bin/gdeploy.js', '--help']));
  kubectl.push(wall('kubectl', ['version', '--client']));
}
const k = median(kubectl);
report('startup', [
  { name: 'kubectl version --client', medianMs: k },
  { name: 'gdeploy --version', medianMs: median(gdeploy), ratio: median(gdeploy) / k },
  { name: 'gdeploy --help', medianMs: median(gdeployHelp), ratio: median(gdeployHelp) / k },
]);
