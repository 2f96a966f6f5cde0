import { Command } from 'commander';
import { runAction } from './shared.js';
import { GdeployError } from '../engine/errors.js';

export function versionCommand(): Command {
  return new Command('version').description('version').action(
    runAction(async () => {
      throw new GdeployError('version is not implemented yet');
    }),
  );
}
