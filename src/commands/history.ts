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
  const { historyFrom } = await import('../engine/history.js');
  const { inventoryRef } = await import('../engine/inventory.js');
  const { GdeployError } = await import('../engine/errors.js');
  const { historyDocument, historyTable, pinLine } = await import('../gitops/history-view.js');
  const kube = await connect({ ...g, log: g.verbose ? log.debug : undefined });
  try {
    const app = checkedApp(flags.app ?? (await defaultApp(kube)));
    const inventory = await kube.find(inventoryRef(app, kube.namespace));
    // A typo must not read as an app with nothing to show: as helm history and kubectl rollout history, exit 1.
    if (inventory === undefined) throw new GdeployError(`app ${app} not found in namespace ${kube.namespace}`, { hint: "'gdeploy status' lists the apps of a namespace (-A: of all)" });
    const history = historyFrom(inventory);
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
