// Small helpers shared by the benchmark scripts.
import { performance } from 'node:perf_hooks';

export function timeIt(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function timeItAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Row {
  name: string;
  medianMs: number;
  /** This row's time divided by the anchor's (kubectl's) time: below 1 is faster. */
  ratio?: number;
  note?: string;
}

export function report(title: string, rows: Row[]): void {
  console.log(`\n## ${title}`);
  console.log('| measurement | median | vs anchor |');
  console.log('| --- | ---: | ---: |');
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`;
    console.log(`| ${r.name} | ${r.medianMs.toFixed(0)} ms | ${ratio}${r.note ? ' ' + r.note : ''} |`);
  }
}
