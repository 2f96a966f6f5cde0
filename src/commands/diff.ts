import { Command } from 'commander';
import { addFileOptions, outputOption, runAction } from './shared.js';
import { GdeployError } from '../engine/errors.js';

export function diffCommand(): Command {
  const cmd = new Command('diff').description('show what apply would change (exit 0: no differences, 1: differences, >1: error)');
  addFileOptions(cmd);
  return cmd
    .option('--app <name>', 'application name (for --prune)')
    .option('--prune', 'include objects that apply --prune would delete', false)
    .addOption(outputOption())
    .action(
      runAction(async () => {
        throw new GdeployError('diff is not implemented yet');
      }),
    );
}
