import { Command } from 'commander';
import { runAction } from './shared.js';
import { assertValid, GdeployError } from '../engine/errors.js';
import { log } from '../ui/log.js';
import { color } from '../ui/colors.js';

interface SandboxFlags {
  port: string;
  tls: boolean;
  clientCert: boolean;
  state?: string;
  kubeconfigOut?: string;
  nodes: string;
  readyDelay: string;
  timeFactor: string;
  images?: string;
  scopedToken: string[];
}

export function sandboxCommand(): Command {
  return new Command('sandbox')
    .description('run an in-memory Kubernetes API server with simulated nodes, for trying gdeploy and kubectl without a cluster')
    .option('--port <n>', 'port to listen on, on 127.0.0.1 (0 picks a free one)', '0')
    .option('--tls', 'serve HTTPS with a fresh CA and require a bearer token', false)
    .option('--client-cert', 'authenticate clients by certificates the sandbox CA signs (user = CN, groups = O) and put an admin certificate in the kubeconfig instead of a token (implies --tls)', false)
    .option('--state <file>', 'keep the objects in this file across restarts')
    .option('--kubeconfig-out <path>', 'where to write the kubeconfig (default: a new temporary directory)')
    .option('--nodes <n>', 'number of simulated Ready nodes', '1')
    .option('--ready-delay <ms>', 'how long a started container takes to become Ready', '300')
    .option('--time-factor <f>', 'real seconds per simulated second for probes, grace periods and deadlines', '0.01')
    .option('--images <file>', 'image rules: which images exist, and how their containers behave')
    .option('--scoped-token <namespace>', 'also mint a token confined to this namespace, as a RoleBinding to admin there (repeatable; needs --tls)', collect, [])
    .addHelpText(
      'after',
      `
Examples:
  gdeploy sandbox --kubeconfig-out ./sandbox.kubeconfig
  KUBECONFIG=./sandbox.kubeconfig kubectl get nodes

  # Objects survive a restart; HTTPS and a token as on a real cluster:
  gdeploy sandbox --tls --state ./sandbox-state.json

  # A second identity that may act in team-a only (403 Forbidden elsewhere):
  gdeploy sandbox --tls --scoped-token team-a

  # The kubeconfig authenticates with a client certificate, as kubeadm's admin.conf:
  gdeploy sandbox --client-cert --kubeconfig-out ./sandbox.kubeconfig`,
    )
    .action(runAction(async (flags: SandboxFlags) => runSandbox(flags)));
}

async function runSandbox(flags: SandboxFlags): Promise<number> {
  const port = integer(flags.port);
  const nodes = integer(flags.nodes);
  const readyDelayMs = integer(flags.readyDelay);
  const timeFactor = Number(flags.timeFactor);
  assertValid(
    [
      port === undefined || port < 0 || port > 65535 ? `--port must be a port number (0-65535), got "${flags.port}"` : '',
      nodes === undefined || nodes < 1 ? `--nodes must be a positive integer, got "${flags.nodes}"` : '',
      readyDelayMs === undefined || readyDelayMs < 0 ? `--ready-delay must be a non-negative number of milliseconds, got "${flags.readyDelay}"` : '',
      !Number.isFinite(timeFactor) || timeFactor <= 0 ? `--time-factor must be a positive number, got "${flags.timeFactor}"` : '',
      flags.scopedToken.length > 0 && !flags.tls && !flags.clientCert ? '--scoped-token needs --tls or --client-cert, which turn authentication on' : '',
    ].filter((p) => p !== ''),
  );

  // Loaded only when the command runs: the sandbox pulls in the whole simulated cluster.
  const { startSandbox } = await import('../sandbox/index.js');
  const { generateToken } = await import('../sandbox/tls.js');
  const scopedTokens = new Map(flags.scopedToken.map((namespace) => [namespace, generateToken()]));
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox({
      port: port!,
      tls: flags.tls || flags.clientCert,
      token: flags.tls,
      clientCertificates: flags.clientCert,
      nodes: nodes!,
      readyDelayMs: readyDelayMs!,
      timeFactor,
      ...(flags.state ? { stateFile: flags.state } : {}),
      ...(flags.kubeconfigOut ? { kubeconfigPath: flags.kubeconfigOut } : {}),
      ...(flags.images ? { imagesFile: flags.images } : {}),
      scopedTokens: Object.fromEntries([...scopedTokens].map(([namespace, token]) => [token, { namespace }])),
    });
  } catch (err) {
    throw startFailure(err, flags);
  }

  log.result(`Sandbox API server listening on ${sandbox.url}`);
  log.result(`export KUBECONFIG=${sandbox.kubeconfigPath}`);
  for (const [namespace, token] of scopedTokens) {
    log.result(`Token for namespace ${namespace}: ${token}`);
    log.info(color.dim(`  kubectl --token ${token} -n ${namespace} get all`));
  }
  if (flags.state) log.info(color.dim(`Objects are kept in ${flags.state}.`));
  log.info(color.dim('Press Ctrl+C to stop.'));

  const signal = await nextSignal();
  log.info(`Received ${signal}, stopping the sandbox...`);
  await sandbox.stop();
  log.info('Sandbox stopped.');
  return 0;
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function integer(s: string): number | undefined {
  return /^\d+$/.test(s.trim()) ? Number(s) : undefined;
}

function startFailure(err: unknown, flags: SandboxFlags): GdeployError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new GdeployError(`port ${flags.port} on 127.0.0.1 is already in use`, { hint: 'pass another --port, or --port 0 for a free one', cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  if (flags.state && message.includes(flags.state)) {
    return new GdeployError(message, { hint: `move ${flags.state} aside, or pass another --state file`, cause: err });
  }
  return new GdeployError(`could not start the sandbox: ${message}`, { cause: err });
}
