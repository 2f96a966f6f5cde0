import { Command } from 'commander';
import { addApplyOptions, addFileOptions, addWaitOptions, outputOption, runAction } from './shared.js';
import { GdeployError } from '../engine/errors.js';

export function applyCommand(): Command {
  const cmd = new Command('apply').description('apply manifests with server-side apply, prune and wait for rollouts');
  addFileOptions(cmd);
  addApplyOptions(cmd);
  addWaitOptions(cmd);
  return cmd
    .option('--prune', "delete objects of the app's inventory that are no longer in the manifests", false)
    .addOption(outputOption())
    .action(
      runAction(async () => {
        throw new GdeployError('apply is not implemented yet');
      }),
    );
}
