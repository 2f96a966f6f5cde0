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

export function renderMachine(cs: ChangeSet, format: 'json' | 'yaml', ctx: RenderContext & { withDiffs?: boolean }): string {
  const doc = toJSON(cs, { ...ctx, diffOf: ctx.withDiffs ? changeDiff : undefined });
  return format === 'json' ? JSON.stringify(doc, null, 2) : yaml.dump(doc, { lineWidth: -1, noRefs: true }).trimEnd();
}

/** Prints an apply's result: object lines and summary (or the machine form) to stdout, errors to stderr. */
export function printChangeSet(cs: ChangeSet, ctx: RenderContext & { format: 'table' | 'json' | 'yaml' }): void {
  if (ctx.format === 'table') {
    for (const line of renderLines(cs, ctx.dryRun)) log.result(line);
    if (cs.changes.length > 0) log.result('\n' + renderSummary(cs));
  } else {
    log.result(renderMachine(cs, ctx.format, ctx));
  }
  for (const e of ctx.errors) log.error(e);
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
