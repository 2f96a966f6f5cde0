// The gdeploy program: registers the commands, parses, and maps errors to exit
// codes. This is the only place that decides how the process ends.
import { Command, CommanderError } from 'commander';
import { addGlobalOptions, takeExitCode } from './commands/shared.js';
import { ExitCode, GdeployError } from './engine/errors.js';
import { color } from './ui/colors.js';
import { outputMode } from './ui/terminal.js';
import { VERSION_LINE } from './version.js';
import { applyCommand } from './commands/apply.js';
import { diffCommand } from './commands/diff.js';
import { setImageCommand } from './commands/set-image.js';
import { editCommand } from './commands/edit.js';
import { syncCommand } from './commands/sync.js';
import { rollbackCommand } from './commands/rollback.js';
import { historyCommand } from './commands/history.js';
import { statusCommand } from './commands/status.js';
import { sandboxCommand } from './commands/sandbox.js';
import { versionCommand } from './commands/version.js';
import { completionCommand, namesCommand } from './commands/completion.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    success (diff: no differences)
  1    error (diff: differences found)
  2    usage error (diff: any error)
  3    a rollout failed
  4    a rollout timed out
  5    another operation holds the app's lock
  130  interrupted (SIGINT), 143 terminated (SIGTERM)`;

export function buildProgram(): Command {
  const program = addGlobalOptions(new Command('gdeploy'))
    .description('Release and roll back applications on Kubernetes in seconds, GitOps-style.')
    .version(VERSION_LINE, '--version', 'print the version and exit')
    .addHelpText('after', EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const make of [
    applyCommand,
    diffCommand,
    setImageCommand,
    editCommand,
    syncCommand,
    rollbackCommand,
    historyCommand,
    statusCommand,
    sandboxCommand,
    versionCommand,
    completionCommand,
  ]) {
    program.addCommand(make().exitOverride());
  }
  program.addCommand(namesCommand().exitOverride(), { hidden: true });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return takeExitCode();
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and --version end here with code 0; commander already printed usage errors.
    if (err.exitCode === 0) return ExitCode.OK;
    return ExitCode.USAGE;
  }
  const verbose = outputMode().verbose || process.argv.includes('-v') || process.argv.includes('--verbose');
  if (err instanceof GdeployError) {
    process.stderr.write(`${color.error('error:')} ${err.message}\n`);
    if (err.hint) process.stderr.write(`${color.dim('hint:')} ${err.hint}\n`);
    if (verbose && err.stack) process.stderr.write(color.dim(err.stack) + '\n');
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${color.error('error:')} ${message}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(color.dim(err.stack) + '\n');
  else process.stderr.write(color.dim('(run with -v for details)') + '\n');
  return ExitCode.ERROR;
}
