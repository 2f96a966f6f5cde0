import { Command } from 'commander';
import { globalsOf, outputOption, runAction, type OutputFormat } from './shared.js';
import { ExitCode, errorMessage } from '../engine/errors.js';
import { CLIENT_NODE_VERSION, KUBERNETES_API_VERSION, VERSION, VERSION_LINE } from '../version.js';
import { log } from '../ui/log.js';

export function versionCommand(): Command {
  return new Command('version')
    .description("print gdeploy's version and, when a cluster is reachable, the server's (exit 1 if it is not, as kubectl version)")
    .option('--client', 'client version only; no network', false)
    .addOption(outputOption())
    .action(
      runAction(async (flags: { client: boolean; output: OutputFormat }, self: Command) => {
        const client = { gdeploy: VERSION, clientNode: CLIENT_NODE_VERSION, kubernetesApi: KUBERNETES_API_VERSION };
        let server: { gitVersion: string; platform?: string } | undefined;
        let failure: string | undefined;
        if (!flags.client) {
          try {
            const g = globalsOf(self);
            const { connect } = await import('../kube/connect.js');
            const kube = await connect({ ...g, log: g.verbose ? log.debug : undefined });
            server = await kube.serverVersion(AbortSignal.timeout(10_000));
          } catch (err) {
            failure = errorMessage(err);
          }
        }
        if (flags.output === 'table') {
          log.result(VERSION_LINE);
          if (server) log.result(`Server Version: ${server.gitVersion}${server.platform ? ` (${server.platform})` : ''}`);
        } else {
          const data = { clientVersion: client, ...(server ? { serverVersion: server } : {}) };
          const { dump } = await import('js-yaml');
          log.result(flags.output === 'json' ? JSON.stringify(data, null, 2) : dump(data).trimEnd());
        }
        if (failure) {
          log.error(`cannot reach the server: ${failure}`);
          return ExitCode.ERROR;
        }
        return ExitCode.OK;
      }),
    );
}
