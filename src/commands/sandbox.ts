import { Command } from 'commander';
import { runAction } from './shared.js';
import { GdeployError } from '../engine/errors.js';

export function sandboxCommand(): Command {
  return new Command('sandbox').description('sandbox').action(
    runAction(async () => {
      throw new GdeployError('sandbox is not implemented yet');
    }),
  );
}
