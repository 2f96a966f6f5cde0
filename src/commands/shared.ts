// Flag groups shared by commands (kapp style), and the glue that turns an
// action into an exit code. Only light modules may be imported statically here:
// `gdeploy --help` must not load the Kubernetes client.
import { Command, Option } from 'commander';
import { configureOutput } from '../ui/terminal.js';

/** kubectl's global connection flags, registered on the root program. */
export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  color: boolean;
  verbose: boolean;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option('--kubeconfig <path>', 'path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <ns>', "namespace (default: the context's namespace, else default)")
    .option('--no-color', 'plain output without colour (also NO_COLOR=1 or CI=true)')
    .option('-v, --verbose', 'log requests and print stack traces on errors', false);
}

export type OutputFormat = 'table' | 'json' | 'yaml';

export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table');
}

/** -f/-R: where manifests come from. */
export function addFileOptions(cmd: Command, required = true): Command {
  const f = new Option('-f, --filename <path...>', "manifest file, directory, or '-' for stdin (repeatable)");
  if (required) f.makeOptionMandatory(true);
  return cmd.addOption(f).option('-R, --recursive', 'descend into directories given with -f', false);
}

/** Flags for everything that waits for rollouts. */
export function addWaitOptions(cmd: Command): Command {
  return cmd
    .option('--wait', 'wait for changed workloads to roll out', true)
    .option('--no-wait', 'do not wait for rollouts')
    .option('--timeout <duration>', 'how long to wait for rollouts, e.g. 90s, 5m', '5m')
    .option('--rollback-on-failure', 'when a rollout fails, put back what was replaced', false);
}

/** How many objects a stage applies at once; 16 measured fastest short of loading the API server (README, Performance). */
export function concurrencyOption(): Option {
  return new Option('--concurrency <n>', 'objects applied in parallel within a stage').default('16');
}

/** Flags for everything that applies through the engine. */
export function addApplyOptions(cmd: Command): Command {
  return cmd
    .option('--app <name>', 'application name: groups objects for inventory, prune and history')
    .option('--dry-run', 'show what would change; change nothing', false)
    .option('--force-conflicts', 'take over fields owned by other field managers', false)
    .addOption(concurrencyOption());
}

export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/**
 * Wraps a command's action: configures output from the global flags, runs it,
 * and records its exit code for src/cli.ts (the only place that exits).
 */
export function runAction<A extends unknown[]>(
  fn: (...args: A) => Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const g = globalsOf(cmd);
    configureOutput({ noColor: g.color === false, verbose: g.verbose });
    actionExitCode = await fn(...args);
  };
}

let actionExitCode = 0;
export function takeExitCode(): number {
  const c = actionExitCode;
  actionExitCode = 0;
  return c;
}

/** Go-style durations as kubectl takes them: 90s, 5m, 1m30s, 500ms; a bare number is seconds. */
export function parseDuration(s: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = s;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return s ? total : undefined;
}
