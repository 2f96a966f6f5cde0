import { Command, Option } from 'commander';
import { globalsOf, outputOption, runAction, type OutputFormat } from './shared.js';
import { ExitCode, GdeployError, errorMessage } from '../engine/errors.js';
import type { Kube } from '../kube/types.js';
import { log } from '../ui/log.js';

interface StatusFlags {
  app?: string;
  allNamespaces: boolean;
  cacheDir?: string;
  output: OutputFormat;
}

const EXAMPLES = `
Examples:
  # Every app in the namespace: revision, sync and health
  gdeploy status

  # One app in two clusters, as JSON
  gdeploy status --app hello-world-flask --context staging --context prod -o json

SYNC compares the cluster with the commit each app last deployed, by a dry run of that commit
planned as a sync plans it; an app deployed by apply from files has no commit to compare with
(Unknown (not from git)). It reads and never writes. Exit code 1 when a cluster cannot be read
(its row says why; the others are listed all the same).`;

export function statusCommand(): Command {
  return (
    new Command('status')
      .description("list the apps in the cluster: revision, sync with git, health of their objects (reads only)")
      .option('--app <name>', 'only this application')
      .option('-A, --all-namespaces', "apps of every namespace, not only the current one", false)
      // Taken by the global --context, which keeps every value given: listed here so that help says it repeats.
      .addOption(new Option('--context <name>', 'a kubeconfig context to read; repeat it for several clusters (default: the current context)'))
      .option('--cache-dir <dir>', 'where repositories are mirrored (default: $XDG_CACHE_HOME/gdeploy, else ~/.cache/gdeploy)')
      .addOption(outputOption())
      .addHelpText('after', EXAMPLES)
      .action(runAction(async (flags: StatusFlags, self: Command) => runStatus(flags, self)))
  );
}

async function runStatus(flags: StatusFlags, self: Command): Promise<number> {
  const g = globalsOf(self);
  const { checkedApp } = await import('../gitops/app.js');
  const app = flags.app === undefined ? undefined : checkedApp(flags.app);
  const contexts = g.contexts && g.contexts.length > 0 ? [...new Set(g.contexts)] : [undefined];

  const { connect } = await import('../kube/connect.js');
  const { clusterStatus } = await import('../gitops/status.js');
  const { statusDocument, statusTable } = await import('../gitops/status-view.js');
  // Every context is looked up before any cluster is read: one missing from
  // the kubeconfig is a mistake in the command, as with every other command.
  const kubes: Kube[] = [];
  try {
    for (const context of contexts) kubes.push(await connect({ ...g, context, log: g.verbose ? log.debug : undefined }));
    // Each cluster is read on its own: one that cannot be read leaves the others' rows.
    const results = await Promise.all(
      kubes.map(async (kube) => {
        try {
          return { kube, apps: await clusterStatus(kube, { app, allNamespaces: flags.allNamespaces, cacheDir: flags.cacheDir }) };
        } catch (err) {
          return { kube, apps: [], error: errorMessage(err) };
        }
      }),
    );
    const apps = results.flatMap((r) => r.apps);
    const failed = results.flatMap((r) => (r.error === undefined ? [] : [{ cluster: r.kube.context, ...(flags.allNamespaces ? {} : { namespace: r.kube.namespace }), error: r.error }]));
    for (const f of failed) log.error(`cannot read the cluster of context ${f.cluster || '(none)'}: ${f.error}`);
    const where = flags.allNamespaces ? 'any namespace' : `namespace ${[...new Set(kubes.map((k) => k.namespace))].join(', ')}`;
    if (app !== undefined && apps.length === 0 && failed.length === 0) {
      throw new GdeployError(`app ${app} not found in ${where}`, { hint: `its inventory, ConfigMap gdeploy.${app}, is not there; pass -n NAMESPACE or -A` });
    }
    if (flags.output !== 'table') log.result(statusDocument(apps, failed, flags.output));
    else if (apps.length === 0 && failed.length === 0) log.info(`no apps found in ${where}`);
    else log.result(statusTable(apps, failed));
    return failed.length > 0 ? ExitCode.ERROR : ExitCode.OK;
  } finally {
    for (const kube of kubes) kube.close();
  }
}
