// Sums up what the end-to-end tests recorded (test/helpers/cluster.ts appends
// one JSON line per test that used the cluster fixture, and one per test
// declared sandbox-only): how many ran against the given cluster, and how many
// were skipped there, by reason.
import { existsSync, readFileSync } from 'node:fs';

/** The recorded entries of `file` (none when it does not exist). */
export function readRecord(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** Counts: ran (against sandboxes and against the given cluster), skipped by reason, and sandbox-only declarations. */
export function countRecord(entries) {
  const counts = { ranOnSandbox: 0, ranOnGiven: 0, skipped: 0, skippedBy: {}, sandboxOnly: 0 };
  // A test with two clusters (or namespaces of two) records each: it counts once.
  const seen = new Set();
  for (const e of entries) {
    if (e.test !== undefined) {
      const key = `${e.file}\0${e.test}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    if (e.kind === 'ran') counts[e.on === 'given' ? 'ranOnGiven' : 'ranOnSandbox']++;
    else if (e.kind === 'skipped') {
      counts.skipped++;
      counts.skippedBy[e.reason] = (counts.skippedBy[e.reason] ?? 0) + 1;
    } else if (e.kind === 'sandbox-only') counts.sandboxOnly++;
  }
  return counts;
}

/** The closing lines of a test run. `given` is the kubeconfig of the given cluster, if any. */
export function summary(entries, given) {
  const c = countRecord(entries);
  if (!given) {
    return [
      `e2e: ${c.ranOnSandbox} tests ran against sandboxes through the cluster fixture; ${c.sandboxOnly} tests need sandbox hooks (skipped when GDEPLOY_TEST_KUBECONFIG names a cluster)`,
    ];
  }
  const total = c.ranOnGiven + c.skipped;
  const lines = [`e2e against the cluster of ${given}: ${c.ranOnGiven} of ${total} tests ran there, ${c.skipped} were skipped`];
  for (const [reason, n] of Object.entries(c.skippedBy).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    lines.push(`  skipped ${n}: ${reason}`);
  }
  return lines;
}
