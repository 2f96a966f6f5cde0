// `npm run bench`: runs every benchmark script in bench/ (or those named on the
// command line) one after another and prints their markdown tables.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const wanted = process.argv.slice(2);
const scripts = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.ts') && f !== 'lib.ts')
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const s of scripts) {
  console.error(`# bench/${s}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${s}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
