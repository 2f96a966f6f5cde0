import { Command } from 'commander';
import { runAction } from './shared.js';
import { GdeployError } from '../engine/errors.js';

export function editCommand(): Command {
  return new Command('edit').description('edit').action(
    runAction(async () => {
      throw new GdeployError('edit is not implemented yet');
    }),
  );
}
