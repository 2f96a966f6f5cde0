// Flag groups shared by commands (kapp style), and the glue that turns an
// action into an exit code. Only light modules may be imported statically here:
// `gdeploy --help` must not load the Kubernetes client.
import { Command, Option } from 'commander';
import { configureOutput } from '../ui/terminal.js';
import { UsageError } from '../engine/errors.js';
import { namespaceProblem } from '../engine/names.js';

/** kubectl's global connection flags, registered on the root program. */
export interface GlobalOptions {
  kubeconfig?: string;
  /** The last --context given: the one context a command uses, as with kubectl. */
  context?: string;
  /** Every --context given, in order (status reads several clusters). */
  contexts?: string[];
  namespace?: string;
  color: boolean;
  verbose: boolean;
  /** --retry-timeout as given. */
  retryTimeout?: string;
  /** --retry-timeout in milliseconds (set by globalsOf when it is a duration). */
  retryTimeoutMs?: number;
}

export function addGlobalOptions(program: Command): Command {
  program.on('option:context', (name: string) => {
    const given = (program.getOptionValue('contexts') as string[] | undefined) ?? [];
    program.setOptionValue('contexts', [...given, name]);
  });
  return program
    .option('--kubeconfig <path>', 'path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <ns>', "namespace (default: the context's namespace, else default)")
    .option('--no-color', 'plain output without colour (also NO_COLOR=1 or CI=true)')
    .option('-v, --verbose', 'log requests and print stack traces on errors', false)
    .option('--retry-timeout <duration>', 'how long to keep retrying while the API server is unreachable or failing, per outage (0: no retries)', '60s');
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
    .option('--bake <duration>', 'after the rollout, keep watching the new Pods this long: a restart, a Pod no longer Ready or an object no longer current fails the release', '0')
    .addOption(
      new Option('--wait-for <what>', 'what to wait for: every object changed until it is current (all), only Deployments, StatefulSets and DaemonSets (workloads), or nothing (none)')
        .choices(['all', 'workloads', 'none'])
        .default('all'),
    )
    .option('--rollback-on-failure', 'when a rollout fails, put back what was replaced', false);
}

/** --wait and --wait-for as the engine takes them: whether to wait, and for what. */
export function waitFlags(flags: { wait: boolean; waitFor?: 'all' | 'workloads' | 'none' }): { wait: boolean; waitFor: 'all' | 'workloads' } {
  return { wait: flags.wait && flags.waitFor !== 'none', waitFor: flags.waitFor === 'workloads' ? 'workloads' : 'all' };
}

/** An empty set of manifests is refused unless asked for: with prune it would delete every object of the app. */
export function allowEmptyOption(): Option {
  return new Option('--allow-empty', 'accept manifests that hold no objects (with prune: delete every object of the app)').default(false);
}

/** How many objects a stage applies at once; 16 measured fastest short of loading the API server (README, Performance). */
/** --lock-timeout: how long a writing command waits for another operation on the same app. */
export function lockTimeoutOption(): Option {
  return new Option('--lock-timeout <duration>', 'how long to wait for another operation on the app to finish').default('1m');
}

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
  const g = cmd.optsWithGlobals() as GlobalOptions;
  const retryTimeoutMs = g.retryTimeout === undefined ? undefined : parseDuration(g.retryTimeout);
  return retryTimeoutMs === undefined ? g : { ...g, retryTimeoutMs };
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
    checkGlobals(g);
    actionExitCode = await fn(...args);
  };
}

/**
 * A namespace no server could have would otherwise come back as a puzzling
 * "not found"; a --retry-timeout that is not a duration is refused before any request.
 */
function checkGlobals(g: GlobalOptions): void {
  // An empty -n means "the context's namespace", as with kubectl.
  const bad = g.namespace ? namespaceProblem(g.namespace) : undefined;
  if (bad) throw new UsageError(`invalid -n/--namespace "${g.namespace}": ${bad}`);
  const badDuration = g.retryTimeout === undefined ? undefined : durationProblem(g.retryTimeout);
  if (badDuration) throw new UsageError(`invalid --retry-timeout "${g.retryTimeout}": ${badDuration}`);
}

let actionExitCode = 0;
export function takeExitCode(): number {
  const c = actionExitCode;
  actionExitCode = 0;
  return c;
}

// Durations as Go's time.ParseDuration reads them (what kubectl's --timeout
// takes): a sequence of decimal numbers with units, such as 90s, 1m30s, 1.5h or
// 500ms; "0" alone needs no unit. As with kubectl's --request-timeout, a bare
// number means seconds. Negative durations mean nothing for a wait, and Node's
// timers cannot wait longer than 2^31-1 ms: a longer value would fire at once.
const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  '\u00b5s': 1e-3, // micro sign, as Go accepts
  '\u03bcs': 1e-3, // Greek mu, as Go accepts
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};
const DURATION_PART = /^(\d+\.?\d*|\.\d+)([a-z\u00b5\u03bc]+)/;
export const MAX_DURATION_MS = 2 ** 31 - 1;

const NOT_A_DURATION = { problem: 'not a duration; use a number with a unit, such as 90s, 5m or 1h30m' };

function readDuration(s: string): { ms: number } | { problem: string } {
  const body = /^[-+]/.test(s) ? s.slice(1) : s;
  const total = /^\d+(\.\d+)?$/.test(body) ? Number(body) * 1_000 : sumParts(body);
  if (typeof total !== 'number') return total;
  if (s.startsWith('-') && total > 0) return { problem: 'a duration must not be negative' };
  return checkRange(total);
}

function sumParts(body: string): number | { problem: string } {
  if (body === '') return NOT_A_DURATION;
  let total = 0;
  for (let rest = body; rest !== ''; ) {
    const m = DURATION_PART.exec(rest);
    if (!m) return NOT_A_DURATION;
    const unit = DURATION_UNITS_MS[m[2]!];
    if (unit === undefined) return { problem: `unknown unit "${m[2]}"; use ns, us, ms, s, m or h` };
    total += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  return total;
}

function checkRange(ms: number): { ms: number } | { problem: string } {
  if (!(ms <= MAX_DURATION_MS)) return { problem: 'longer than the longest supported duration, 596h' };
  return { ms };
}

/** Why `s` is not a usable duration, or undefined when it is one. */
export function durationProblem(s: string): string | undefined {
  const r = readDuration(s);
  return 'problem' in r ? r.problem : undefined;
}

/** The duration in milliseconds, or undefined when `s` is not one (see durationProblem). */
export function parseDuration(s: string): number | undefined {
  const r = readDuration(s);
  return 'ms' in r ? r.ms : undefined;
}

/** A duration flag in milliseconds; a problem naming the flag and the value is appended when it is not one. */
export function durationFlag(flag: string, value: string, problems: string[]): number {
  const r = readDuration(value);
  if ('ms' in r) return r.ms;
  problems.push(`invalid ${flag} "${value}": ${r.problem}`);
  return 0;
}

/** A count flag: decimal digits only, so that "1e3", "0x10" or " 5" are typos, not numbers. */
export function positiveIntegerFlag(flag: string, value: string, problems: string[]): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : 0;
  if (n < 1) problems.push(`invalid ${flag} "${value}": must be a positive integer`);
  return n;
}
