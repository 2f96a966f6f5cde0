import { Command, Option } from 'commander';
import { allowEmptyOption, concurrencyOption, addWaitOptions, globalsOf, outputOption, runAction, type OutputFormat, lockTimeoutOption } from './shared.js';
import { durationFlag } from './shared.js';
import { assertValid } from '../engine/errors.js';
import { log } from '../ui/log.js';
import type { ReleaseFlags } from '../gitops/command.js';

interface SyncFlags extends ReleaseFlags {
  repo: string;
  branch?: string;
  ref?: string;
  path: string;
  app?: string;
  watch: boolean;
  interval: string;
  unpin: boolean;
  drift: 'correct' | 'report';
  cacheDir?: string;
  output: OutputFormat;
}

const EXAMPLES = `
Examples:
  # Deploy the head of the repository's default branch once (in CI, say)
  gdeploy sync --repo https://github.com/acme/hello-world-flask.git

  # Follow branch main of a path inside the repository, checking every 5 seconds
  gdeploy sync --repo git@github.com:acme/deploy.git --branch main --path apps/web --watch --interval 5s

  # Deploy a tag
  gdeploy sync --repo ./deploy-repo --ref v1.2.0

A private https repository takes its token from GDEPLOY_GIT_TOKEN, else from git's credential helper.`;

export function syncCommand(): Command {
  const cmd = new Command('sync')
    .description("deploy a git repository's manifests: resolve the commit, apply, prune, wait and record the revision")
    .requiredOption('--repo <url>', 'repository: a path, file://, https://, ssh:// or git@host:path URL')
    .addOption(new Option('--branch <name>', "branch to follow (default: the remote's default branch)").conflicts('ref'))
    .option('--ref <tag|commit>', 'deploy a tag or a commit instead of a branch head')
    .option('--path <dir>', 'directory inside the repository holding the manifests', './')
    .option('--app <name>', "application name (default: the repository's name)")
    .option('--prune', "delete the app's objects that are no longer in the repository", true)
    .option('--no-prune', 'keep objects that left the repository')
    .addOption(allowEmptyOption())
    .option('--dry-run', 'show what would change; change nothing', false)
    .addOption(concurrencyOption());
  addWaitOptions(cmd);
  return cmd
    .option('--watch', 'keep running: deploy each new commit and put back changes made by hand', false)
    .option('--interval <duration>', 'with --watch, how often to fetch', '5s')
    .option('--unpin', 'deploy the branch head even though a rollback pinned the app', false)
    .addOption(
      new Option('--drift <mode>', 'at the commit already deployed: put back changes made by hand (correct), or only report them (report)')
        .choices(['correct', 'report'])
        .default('correct'),
    )
    .addOption(lockTimeoutOption())
    .option('--cache-dir <dir>', 'where repositories are mirrored (default: $XDG_CACHE_HOME/gdeploy, else ~/.cache/gdeploy)')
    .addOption(outputOption())
    .addHelpText('after', EXAMPLES)
    .action(runAction(async (flags: SyncFlags, self: Command) => runSync(flags, self)));
}

async function runSync(flags: SyncFlags, self: Command): Promise<number> {
  const g = globalsOf(self);
  const { parseReleaseFlags, releaseSettings, interruptible } = await import('../gitops/command.js');
  const problems: string[] = [];
  const parsed = parseReleaseFlags(flags, problems);
  const before = problems.length;
  const intervalMs = durationFlag('--interval', flags.interval, problems);
  if (problems.length === before && intervalMs < 100) problems.push(`invalid --interval "${flags.interval}": must be at least 100ms`);
  assertValid(problems);

  // Heavy modules load only now, so that --help stays fast.
  const { parseRepoUrl, checkRefName, normaliseRepoPath } = await import('../git/index.js');
  const { checkedApp } = await import('../gitops/app.js');
  const url = parseRepoUrl(flags.repo);
  normaliseRepoPath(flags.path);
  if (flags.branch !== undefined) checkRefName(flags.branch, '--branch');
  if (flags.ref !== undefined) checkRefName(flags.ref, '--ref');
  const app = checkedApp(flags.app ?? url.name);

  const { connect } = await import('../kube/connect.js');
  const { openSource } = await import('../gitops/source.js');
  const { syncOnce, newSyncState } = await import('../gitops/sync.js');
  const { watch } = await import('../gitops/watch.js');
  const { gitopsRenderer } = await import('../gitops/render.js');

  const kube = await connect({ ...g, log: g.verbose ? log.debug : undefined });
  const render = gitopsRenderer({ app, namespace: kube.namespace, format: flags.output, watching: flags.watch });
  try {
    return await interruptible(async (signal) => {
      const source = await openSource({ repo: flags.repo, path: flags.path, cacheDir: flags.cacheDir, signal });
      const settings = {
        ...releaseSettings(kube, app, flags, parsed, signal, (ev) => render.on(ev)),
        branch: flags.branch,
        ref: flags.ref,
        unpin: flags.unpin,
        drift: flags.drift,
      };
      if (!flags.watch) return (await syncOnce(settings, source, newSyncState())).exitCode;
      log.info(`watching ${source.url.display} (${flags.ref ?? flags.branch ?? 'default branch'}, path ${source.path}) every ${flags.interval} for ${kube.namespace}/${app}`);
      return (await watch({ ...settings, intervalMs, stop: signal }, source)).lastExitCode;
    });
  } finally {
    render.stop();
    kube.close();
  }
}
