// How a change set reads for a person (kubectl's voice, one line per object,
// then a summary) and for a machine (-o json|yaml, shape in engine/changeset.ts).
import yaml from 'js-yaml';
import { kubectlName, summarize, toJSON, type Change, type ChangeSet } from '../engine/changeset.js';
import { color } from './colors.js';
import { changeDiff } from './diff.js';
import { renderTable } from './table.js';
import { log } from './log.js';
import { outputMode } from './terminal.js';
import type { DeployEvent } from '../engine/types.js';

export interface RenderContext {
  app: string;
  namespace: string;
  dryRun: boolean;
  errors: string[];
}

/** `deployment.apps/web configured`, with kubectl's dry-run suffix. */
export function changeLine(c: Change, dryRun: boolean): string {
  const name = kubectlName(c.ref);
  const suffix = dryRun && c.action !== 'failed' && c.action !== 'skipped' ? ' (server dry run)' : '';
  const action = c.action === 'failed' || c.action === 'skipped' ? `${c.action}: ${c.error ?? ''}`.trimEnd() : c.action;
  const paint =
    c.action === 'created' ? color.added : c.action === 'pruned' || c.action === 'failed' ? color.removed : c.action === 'unchanged' ? color.dim : (s: string) => s;
  return `${name} ${paint(action)}${suffix}`;
}

export function renderLines(cs: ChangeSet, dryRun: boolean): string[] {
  return cs.changes.map((c) => changeLine(c, dryRun));
}

/** Counts per action, only the columns that matter (created..pruned always, skipped/failed when any). */
export function renderSummary(cs: ChangeSet): string {
  const s = summarize(cs);
  const cols: Array<keyof typeof s> = ['created', 'configured', 'unchanged', 'pruned'];
  if (s.skipped) cols.push('skipped');
  if (s.failed) cols.push('failed');
  return renderTable(
    cols.map((c) => c.toUpperCase()),
    [cols.map((c) => String(s[c]))],
  );
}

/**
 * One line under the summary of a run that stopped part-way, so that nobody
 * has to count the lines above to know whether the cluster is as the
 * manifests say; undefined when it is.
 */
export function renderIncomplete(cs: ChangeSet, dryRun: boolean): string | undefined {
  const s = summarize(cs);
  const notDone = s.failed + s.skipped;
  if (dryRun || notDone === 0) return undefined;
  const total = cs.changes.length;
  return `incomplete: ${total - notDone} of ${total} objects are as the manifests say; ${s.failed} failed and ${s.skipped} were skipped (see above)`;
}

export function renderMachine(cs: ChangeSet, format: 'json' | 'yaml', ctx: RenderContext & { withDiffs?: boolean }): string {
  const doc = toJSON(cs, { ...ctx, diffOf: ctx.withDiffs ? changeDiff : undefined });
  return format === 'json' ? JSON.stringify(doc, null, 2) : yaml.dump(doc, { lineWidth: -1, noRefs: true }).trimEnd();
}

/** Prints an apply's result: object lines and summary (or the machine form) to stdout, errors to stderr. */
export function printChangeSet(cs: ChangeSet, ctx: RenderContext & { format: 'table' | 'json' | 'yaml' }): void {
  if (ctx.format === 'table') {
    for (const line of renderLines(cs, ctx.dryRun)) log.result(line);
    if (cs.changes.length > 0) log.result('\n' + renderSummary(cs));
    const incomplete = renderIncomplete(cs, ctx.dryRun);
    if (incomplete) log.result(incomplete);
  } else {
    log.result(renderMachine(cs, ctx.format, ctx));
  }
  for (const e of foldErrors(cs, ctx.errors)) log.error(e);
  printWarnings(cs);
}

/** The change set's warnings, on stderr whatever the output format (-o json carries them too). */
export function printWarnings(cs: ChangeSet): void {
  for (const w of cs.warnings ?? []) log.warn(w);
}

/** Object errors printed in full before the rest are only counted. */
const OBJECT_ERRORS_SHOWN = 10;

/**
 * The errors to print after a change set. When hundreds of objects fail for
 * one reason (an API server gone away), repeating each on stderr buries the
 * errors that are not about one object; every failed object keeps its own
 * line in the change set, which says why.
 */
export function foldErrors(cs: ChangeSet, errors: string[]): string[] {
  const failed = new Set(cs.changes.filter((c) => c.action === 'failed').map((c) => c.subject));
  // Object errors start with the subject: "Kind/ns/name apply failed: ..." or "Kind/ns/name: forbidden: ...".
  const isObjectError = (e: string): boolean => failed.has(e.slice(0, e.indexOf(' ')).replace(/:$/, ''));
  const objectErrors = errors.filter(isObjectError).length;
  if (objectErrors <= OBJECT_ERRORS_SHOWN) return errors;
  let shown = 0;
  const out = errors.filter((e) => !isObjectError(e) || shown++ < OBJECT_ERRORS_SHOWN);
  out.push(`... and ${objectErrors - OBJECT_ERRORS_SHOWN} more objects failed; the change set says why for each`);
  return out;
}

export interface DeployProgress {
  onEvent(ev: DeployEvent): void;
  /** Ends the spinner; call before printing anything else. */
  stop(): void;
}

/** A spinner on stderr while a deploy runs, on a terminal only; elsewhere nothing (results follow as lines). */
export async function deployProgress(objects: number): Promise<DeployProgress> {
  // A terminal that reports no width (some CI pseudo-terminals) would make the spinner redraw endlessly.
  if (!outputMode().interactive || !process.stderr.columns) return { onEvent() {}, stop() {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text: `planning ${objects} objects`, stream: process.stderr }).start();
  let toWrite = 0;
  let written = 0;
  return {
    onEvent(ev) {
      if (ev.type === 'planned') {
        toWrite = ev.plan.changeSet.changes.filter((c) => c.action === 'created' || c.action === 'configured' || c.action === 'pruned').length;
        spinner.text = `applying ${toWrite} of ${objects} objects`;
      } else if (ev.type === 'change') {
        written++;
        spinner.text = `applying: ${written}/${toWrite}`;
      }
    },
    stop() {
      spinner.stop();
    },
  };
}
