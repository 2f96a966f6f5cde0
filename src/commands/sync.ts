import { Command, Option } from 'commander';
import { allowEmptyOption, concurrencyOption, addWaitOptions, globalsOf, outputOption, runAction, type OutputFormat, lockTimeoutOption } from './shared.js';
import { durationFlag, positiveIntegerFlag } from './shared.js';
import { assertValid } from '../engine/errors.js';
import type { Kube } from '../kube/types.js';
import type { GlobalOptions } from './shared.js';
import type { ParsedReleaseFlags } from '../gitops/command.js';
import { log } from '../ui/log.js';
import type { ReleaseFlags } from '../gitops/command.js';
import type { GitOpsEvent } from '../gitops/events.js';
import type { ListenAddress } from '../gitops/webhook.js';

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
  apps?: string;
  concurrencyApps: string;
  pruneApps: boolean;
  listen?: string;
  webhookSecretFile?: string;
  notify?: string[];
  leaderElect: boolean;
  leaderLeaseDuration: string;
}

const EXAMPLES = `
Examples:
  # Deploy the head of the repository's default branch once (in CI, say)
  gdeploy sync --repo https://github.com/acme/hello-world-flask.git

  # Follow branch main of a path inside the repository, checking every 5 seconds
  gdeploy sync --repo git@github.com:acme/deploy.git --branch main --path apps/web --watch --interval 5s

  # Deploy a tag
  gdeploy sync --repo ./deploy-repo --ref v1.2.0

  # Deploy every app an apps file of the repository lists, in dependency order
  gdeploy sync --repo https://github.com/acme/deploy.git --apps apps.yaml

  # In a cluster, two replicas: one leads; pushes to the webhook are fetched at once; releases go to Slack
  gdeploy sync --repo https://github.com/acme/deploy.git --watch --interval 5m --leader-elect \\
    --listen 0.0.0.0:8080 --webhook-secret-file /secrets/webhook --notify https://hooks.slack.com/services/...

A private https repository takes its token from GDEPLOY_GIT_TOKEN, else from git's credential helper.`;

export function syncCommand(): Command {
  const cmd = new Command('sync')
    .description("deploy a git repository's manifests: resolve the commit, apply, prune, wait and record the revision")
    .requiredOption('--repo <url>', 'repository: a path, file://, https://, ssh:// or git@host:path URL')
    .addOption(new Option('--branch <name>', "branch to follow (default: the remote's default branch)").conflicts('ref'))
    .option('--ref <tag|commit>', 'deploy a tag or a commit instead of a branch head')
    .option('--path <dir>', 'directory inside the repository holding the manifests', './')
    .option('--app <name>', "application name (default: the repository's name)")
    .option('--apps <file>', 'deploy every app this file of the repository lists (name, path, namespace, dependsOn, context, prune)')
    .option('--concurrency-apps <n>', 'with --apps: how many apps are deployed at a time', '4')
    .option('--prune-apps', 'with --apps: delete the objects of apps the file no longer lists (otherwise only reported)', false)
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
    .option('--listen <host:port>', 'with --watch, serve webhooks: POST /hook fetches at once (GitHub, GitLab or Bearer), GET /healthz')
    .option('--webhook-secret-file <file>', 'with --listen, the file holding the secret webhook calls must prove they know')
    .option('--notify <url>', 'POST a JSON message (Slack-compatible) for each recorded revision to URL (repeatable)', (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .option('--leader-elect', "with --watch, deploy only while holding the Lease gdeploy-leader.<app>: other replicas stand by and take over", false)
    // How long the leader's Lease stays valid without renewal: shortened by tests of takeovers.
    .addOption(new Option('--leader-lease-duration <duration>').default('15s').hideHelp())
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
  const concurrencyApps = positiveIntegerFlag('--concurrency-apps', flags.concurrencyApps, problems);
  if (flags.apps !== undefined) {
    for (const flag of ['app', 'path'] as const) if (self.getOptionValueSource(flag) === 'cli') problems.push(`--${flag} cannot be combined with --apps: the apps file names each app and its path`);
  } else {
    if (self.getOptionValueSource('concurrencyApps') === 'cli') problems.push('--concurrency-apps is only for --apps');
    if (flags.pruneApps) problems.push('--prune-apps is only for --apps');
  }
  const { checkHookFlags } = await import('../gitops/webhook.js');
  const { checkNotifyUrls } = await import('../gitops/notify.js');
  const { checkLeaderFlags, watchWithHooks } = await import('../gitops/leader.js');
  const hooks = checkHookFlags(flags, problems);
  const leaseSeconds = checkLeaderFlags(flags, problems);
  const notifyUrls = flags.notify ?? [];
  checkNotifyUrls(notifyUrls, problems);
  assertValid(problems);
  const around = { ...hooks, leaderElect: flags.leaderElect, leaseSeconds, notify: notifyUrls };
  if (flags.apps !== undefined) return runFleet(flags, g, parsed, { intervalMs, concurrencyApps }, around);

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
  const { notifier, FLUSH_MS } = await import('../gitops/notify.js');
  const notify = notifyUrls.length > 0 ? notifier({ urls: notifyUrls, warn: log.warn }) : undefined;
  const about = { app, namespace: kube.namespace, cluster: kube.context || kube.server };
  try {
    return await interruptible(async (signal) => {
      const source = await openSource({ repo: flags.repo, path: flags.path, cacheDir: flags.cacheDir, signal });
      const settings = {
        ...releaseSettings(kube, app, flags, parsed, signal, (ev) => {
          render.on(ev);
          notify?.on(ev, about);
        }),
        branch: flags.branch,
        ref: flags.ref,
        unpin: flags.unpin,
        drift: flags.drift,
      };
      if (!flags.watch) return (await syncOnce(settings, source, newSyncState())).exitCode;
      log.info(`watching ${source.url.display} (${flags.ref ?? flags.branch ?? 'default branch'}, path ${source.path}) every ${flags.interval} for ${kube.namespace}/${app}`);
      const stamp = (line: string) => log.info(`${new Date().toISOString()} ${line}`);
      return watchWithHooks({ ...around, kube, app, stop: signal, log: stamp }, (stop, wake) => watch({ ...settings, intervalMs, stop, wake }, source));
    });
  } finally {
    render.stop();
    await notify?.flush(FLUSH_MS);
    kube.close();
  }
}

/** --listen, --leader-elect and --notify, checked. */
interface Around {
  listen?: ListenAddress;
  secret?: Buffer;
  leaderElect: boolean;
  leaseSeconds: number;
  notify: string[];
}

/** sync --apps: every app of the file, once or on every tick with --watch. */
async function runFleet(flags: SyncFlags, g: GlobalOptions, parsed: ParsedReleaseFlags, n: { intervalMs: number; concurrencyApps: number }, around: Around): Promise<number> {
  const { parseRepoUrl, checkRefName, normaliseRepoPath } = await import('../git/index.js');
  parseRepoUrl(flags.repo);
  const file = normaliseRepoPath(flags.apps!);
  if (flags.branch !== undefined) checkRefName(flags.branch, '--branch');
  if (flags.ref !== undefined) checkRefName(flags.ref, '--ref');
  const { releaseSettings, interruptible } = await import('../gitops/command.js');
  const { connect } = await import('../kube/connect.js');
  const { openSource } = await import('../gitops/source.js');
  const { syncFleet, fleetJSON } = await import('../gitops/fleet.js');
  const { gitopsRenderer } = await import('../gitops/render.js');
  const { pause } = await import('../gitops/watch.js');
  const { color } = await import('../ui/colors.js');
  const { watchWithHooks, fleetLeaseApp } = await import('../gitops/leader.js');
  const { notifier, FLUSH_MS } = await import('../gitops/notify.js');
  const notify = around.notify.length > 0 ? notifier({ urls: around.notify, warn: log.warn }) : undefined;

  const connections = new Map<string, Promise<Kube>>();
  const connectTo = (context: string | undefined, namespace: string): Promise<Kube> => {
    const key = `${context ?? ''}\0${namespace}`;
    if (!connections.has(key)) connections.set(key, connect({ ...g, context: context ?? g.context, namespace, log: g.verbose ? log.debug : undefined }));
    return connections.get(key)!;
  };
  const human = flags.output === 'table';
  try {
    return await interruptible(async (signal) => {
      const source = await openSource({ repo: flags.repo, path: './', cacheDir: flags.cacheDir, signal });
      if (flags.watch) log.info(`watching ${source.url.display} (${flags.ref ?? flags.branch ?? 'default branch'}, apps file ${file}) every ${flags.interval}`);
      // Every pass until `stop`; woken early by a webhook.
      const passes = async (stop: AbortSignal, wake?: () => AbortSignal): Promise<{ lastExitCode: number }> => {
        for (;;) {
          const woken = wake?.();
          let code: number;
          try {
            const result = await syncFleet({
              file,
              source,
              branch: flags.branch,
              ref: flags.ref,
              concurrency: n.concurrencyApps,
              pruneApps: flags.pruneApps,
              lockWaitMs: parsed.lockWaitMs,
              dryRun: flags.dryRun,
              signal: stop,
              connect: connectTo,
              settings: (app, kube) => {
                const render = gitopsRenderer({ app: app.name, namespace: app.namespace, format: flags.output, watching: flags.watch, prefix: `${app.name}: ` });
                const about = { app: app.name, namespace: app.namespace, cluster: kube.context || kube.server };
                const emit = (ev: GitOpsEvent) => {
                  if (human) render.on(ev);
                  notify?.on(ev, about);
                };
                return {
                  ...releaseSettings(kube, app.name, { ...flags, prune: app.prune }, parsed, stop, emit),
                  enforceNamespace: false,
                  branch: flags.branch,
                  ref: flags.ref,
                  unpin: flags.unpin,
                  drift: flags.drift,
                  appsFile: file,
                };
              },
              onDone: (r) => {
                if (human && r.result === 'not attempted') log.error(`${r.app.name}: ${r.reason}`);
                else if (human && r.result === 'failed' && !r.record && r.reason) log.error(`${r.app.name}: ${r.reason}`);
              },
              onOrphan: (o) => {
                if (!human) return;
                const where = `app ${o.app} (namespace ${o.namespace}${o.context ? `, context ${o.context}` : ''})`;
                if (o.app === '*') log.warn(o.reason!);
                else if (o.pruned === 'succeeded') log.info(`${where} left ${file}: its objects were deleted (--prune-apps)`);
                else if (o.pruned === 'failed') log.error(`${where} left ${file}: deleting its objects failed: ${o.reason}`);
                else log.warn(`${where} is no longer in ${file}: left as it is; --prune-apps deletes its objects`);
              },
            });
            code = result.exitCode;
            if (human) {
              const counts = new Map<string, number>();
              for (const r of result.apps) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
              const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
              log.result(`${code === 0 ? color.success('apps') : color.error('apps')} at ${result.head.revision}: ${summary}`);
            } else {
              const doc = fleetJSON(result, file);
              log.result(flags.output === 'json' ? JSON.stringify(doc, null, 2) : `---\n${(await import('js-yaml')).default.dump(doc, { lineWidth: -1 }).trimEnd()}`);
            }
          } catch (err) {
            if (!flags.watch || stop.aborted) throw err;
            const { errorMessage } = await import('../engine/errors.js');
            log.error(`${errorMessage(err)}; trying again in ${flags.interval}`);
            code = 1;
          }
          if (!flags.watch || (await pause(n.intervalMs, stop, woken))) return { lastExitCode: code };
        }
      };
      if (!flags.watch) return (await passes(signal)).lastExitCode;
      // The leader's Lease (--leader-elect) is in the command's namespace.
      const home = await connectTo(undefined, g.namespace ?? '');
      const stamp = (line: string) => log.info(`${new Date().toISOString()} ${line}`);
      return watchWithHooks({ ...around, kube: home, app: fleetLeaseApp(source.url.name, file), stop: signal, log: stamp }, passes);
    });
  } finally {
    await notify?.flush(FLUSH_MS);
    for (const k of connections.values()) await k.then((kube) => kube.close()).catch(() => undefined);
  }
}
