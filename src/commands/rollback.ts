import { Command } from 'commander';
import { allowEmptyOption, concurrencyOption, addWaitOptions, globalsOf, outputOption, runAction, type OutputFormat, lockTimeoutOption } from './shared.js';
import { assertValid } from '../engine/errors.js';
import { log } from '../ui/log.js';
import type { ReleaseFlags } from '../gitops/command.js';

interface RollbackFlags extends ReleaseFlags {
  app?: string;
  repo?: string;
  path?: string;
  branch?: string;
  commit: boolean;
  cacheDir?: string;
  output: OutputFormat;
}

const EXAMPLES = `
Examples:
  # Go back to the previous revision that succeeded
  gdeploy rollback

  # Go back to a commit (a unique prefix is enough) or to a revision number from 'gdeploy history'
  gdeploy rollback 3f2a9c1
  gdeploy rollback 2 --app hello-world-flask

  # Also record the rollback in git: a commit on the branch with that commit's files (never a force-push)
  gdeploy rollback 3f2a9c1 --commit`;

export function rollbackCommand(): Command {
  const cmd = new Command('rollback')
    .description("deploy an earlier commit of the app's branch and wait; the app stays pinned there until the branch moves")
    .argument('[commit|revision]', 'commit id (or unique prefix), or a revision number; default: the previous succeeded revision')
    .option('--app <name>', 'application (default: the one app with a history in the namespace)')
    .option('--repo <url>', "repository (default: the app's last recorded one)")
    .option('--path <dir>', "directory inside the repository (default: the app's last recorded one)")
    .option('--branch <name>', "branch the commit must be on (default: the app's last recorded one)")
    .option('--commit', 'also push a commit to the branch whose files are those of the target commit', false)
    .option('--prune', "delete the app's objects that the target commit does not have", true)
    .option('--no-prune', 'keep them')
    .addOption(allowEmptyOption())
    .option('--dry-run', 'show what would change; change nothing', false)
    .addOption(concurrencyOption());
  addWaitOptions(cmd);
  return cmd
    .addOption(lockTimeoutOption())
    .option('--cache-dir <dir>', 'where repositories are mirrored (default: $XDG_CACHE_HOME/gdeploy, else ~/.cache/gdeploy)')
    .addOption(outputOption())
    .addHelpText('after', EXAMPLES)
    .action(runAction(async (to: string | undefined, flags: RollbackFlags, self: Command) => runRollback(to, flags, self)));
}

async function runRollback(to: string | undefined, flags: RollbackFlags, self: Command): Promise<number> {
  const g = globalsOf(self);
  const { parseReleaseFlags, releaseSettings, interruptible } = await import('../gitops/command.js');
  const problems: string[] = [];
  const parsed = parseReleaseFlags(flags, problems);
  if (to !== undefined && to.startsWith('-')) problems.push(`refusing "${to}" as a commit: it starts with "-"`);
  if (flags.commit && flags.dryRun) problems.push('--commit and --dry-run cannot be used together');
  assertValid(problems);

  const { parseRepoUrl } = await import('../git/index.js');
  const { checkedApp, defaultApp } = await import('../gitops/app.js');
  const repoName = flags.repo === undefined ? undefined : parseRepoUrl(flags.repo).name;
  const { connect } = await import('../kube/connect.js');
  const { rollback } = await import('../gitops/rollback.js');
  const { unpinCommand } = await import('../gitops/history-view.js');
  const { gitopsRenderer } = await import('../gitops/render.js');

  const kube = await connect({ ...g, log: g.verbose ? log.debug : undefined });
  try {
    return await interruptible(async (signal) => {
      const app = checkedApp(flags.app ?? repoName ?? (await defaultApp(kube, signal)));
      const render = gitopsRenderer({ app, namespace: kube.namespace, format: flags.output, watching: false });
      try {
        const r = await rollback({
          ...releaseSettings(kube, app, flags, parsed, signal, (ev) => render.on(ev)),
          to,
          repo: flags.repo,
          path: flags.path,
          branch: flags.branch,
          commit: flags.commit,
          cacheDir: flags.cacheDir,
        });
        if (r.pushed) {
          log.info(`pushed ${r.pushed.slice(0, 12)} "Roll back to ${r.target}" to ${r.branch} of ${r.source.url.display}`);
        } else if (!flags.dryRun && r.outcome.result === 'succeeded' && r.head !== r.target) {
          log.info(
            `pinned: ${r.branch} still points at ${r.head.slice(0, 12)}; syncs leave ${app} at ${r.target.slice(0, 12)} ` +
              `until a new commit lands on ${r.branch} (the next sync after that deploys the branch head again) or ${unpinCommand(r.source.url.display)} runs. ` +
              `Use --commit to put the rollback on the branch.`,
          );
        }
        return r.outcome.exitCode;
      } finally {
        render.stop();
      }
    });
  } finally {
    kube.close();
  }
}
