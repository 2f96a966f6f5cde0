import { Command } from 'commander';
import { globalsOf, outputOption, positiveIntegerFlag, runAction, type OutputFormat } from './shared.js';
import { assertValid } from '../engine/errors.js';
import { log } from '../ui/log.js';

interface HistoryFlags {
  app?: string;
  max: string;
  output: OutputFormat;
}

export function historyCommand(): Command {
  return new Command('history')
    .description("list the app's recorded revisions, newest first (as helm history)")
    .option('--app <name>', 'application (default: the one app with a history in the namespace)')
    .option('--max <n>', 'show at most this many revisions', '20')
    .addOption(outputOption())
    .action(runAction(async (flags: HistoryFlags, self: Command) => runHistory(flags, self)));
}

async function runHistory(flags: HistoryFlags, self: Command): Promise<number> {
  const g = globalsOf(self);
  const problems: string[] = [];
  const max = positiveIntegerFlag('--max', flags.max, problems);
  assertValid(problems);

  const { connect } = await import('../kube/connect.js');
  const { checkedApp, defaultApp } = await import('../gitops/app.js');
  const { readHistory } = await import('../engine/history.js');
  const { historyDocument, historyTable, pinLine } = await import('../gitops/history-view.js');
  const kube = await connect({ ...g, log: g.verbose ? log.debug : undefined });
  try {
    const app = checkedApp(flags.app ?? (await defaultApp(kube)));
    const history = await readHistory(kube, app, kube.namespace);
    const revisions = history.revisions.slice(-max).reverse();
    if (flags.output !== 'table') {
      log.result(historyDocument(app, kube.namespace, revisions, history.pin, flags.output));
      return 0;
    }
    if (revisions.length === 0) {
      log.info(`no revisions recorded for ${kube.namespace}/${app}`);
      return 0;
    }
    log.result(historyTable(revisions));
    if (history.pin) log.info(pinLine(history.pin, history.revisions.findLast((r) => r.sha === history.pin!.sha && r.source !== undefined)?.source));
    return 0;
  } finally {
    kube.close();
  }
}
