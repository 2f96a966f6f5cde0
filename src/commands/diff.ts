import { Command } from 'commander';
import { addFileOptions, allowEmptyOption, globalsOf, outputOption, runAction, type OutputFormat } from './shared.js';
import { ExitCode, GdeployError } from '../engine/errors.js';
import { log } from '../ui/log.js';

interface DiffFlags {
  filename: string[];
  recursive: boolean;
  app?: string;
  prune: boolean;
  allowEmpty: boolean;
  output: OutputFormat;
}

export function diffCommand(): Command {
  const cmd = new Command('diff').description('show what apply would change (exit 0: no differences, 1: differences, >1: error)');
  addFileOptions(cmd);
  return cmd
    .option('--app <name>', 'application name (for --prune)')
    .option('--prune', 'include objects that apply --prune would delete', false)
    .addOption(allowEmptyOption())
    .addOption(outputOption())
    .action(runAction(async (flags: DiffFlags, self: Command) => runDiff(flags, self).catch(asDiffError)));
}

async function runDiff(flags: DiffFlags, self: Command): Promise<number> {
  const g = globalsOf(self);
  const { openSession } = await import('../engine/session.js');
  const { plan, hasChanges } = await import('../engine/index.js');
  const { renderChangeDiff } = await import('../ui/diff.js');
  const { printWarnings, renderMachine, renderSummary } = await import('../ui/changeset.js');
  const { kube, objects, app } = await openSession({ ...g, log: g.verbose ? log.debug : undefined }, { ...flags, verb: 'diff' });
  try {
    const p = await plan(kube, { objects, app, namespace: kube.namespace, enforceNamespace: kube.namespaceExplicit, prune: flags.prune, forDiff: true });
    const errors = p.errors.map((e) => e.message);
    if (flags.output === 'table') {
      for (const c of p.changeSet.changes) {
        const text = renderChangeDiff(c);
        if (text) log.result(text);
      }
      if (p.changeSet.changes.length > 0) log.info(renderSummary(p.changeSet));
    } else {
      log.result(renderMachine(p.changeSet, flags.output, { app, namespace: kube.namespace, dryRun: true, errors, withDiffs: true }));
    }
    for (const e of errors) log.error(e);
    printWarnings(p.changeSet);
    if (errors.length > 0) return ExitCode.USAGE;
    return hasChanges(p.changeSet) ? ExitCode.ERROR : ExitCode.OK;
  } finally {
    kube.close();
  }
}

/** kubectl diff's contract: exit 1 means "differences", so every error must be above 1. */
function asDiffError(err: unknown): never {
  if (err instanceof GdeployError && err.exitCode > ExitCode.ERROR) throw err;
  const message = err instanceof Error ? err.message : String(err);
  throw new GdeployError(message, { exitCode: ExitCode.USAGE, hint: err instanceof GdeployError ? err.hint : undefined, cause: err });
}
