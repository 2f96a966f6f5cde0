import { Command } from 'commander';
import { runAction } from './shared.js';
import { GdeployError } from '../engine/errors.js';

export function rollbackCommand(): Command {
  return new Command('rollback').description('rollback').action(
    runAction(async () => {
      throw new GdeployError('rollback is not implemented yet');
    }),
  );
}
