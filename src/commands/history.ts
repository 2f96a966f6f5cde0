import { Command } from 'commander';
import { runAction } from './shared.js';
import { GdeployError } from '../engine/errors.js';

export function historyCommand(): Command {
  return new Command('history').description('history').action(
    runAction(async () => {
      throw new GdeployError('history is not implemented yet');
    }),
  );
}
