import { Command } from 'commander';
import { runAction } from './shared.js';
import { GdeployError } from '../engine/errors.js';

export function syncCommand(): Command {
  return new Command('sync').description('sync').action(
    runAction(async () => {
      throw new GdeployError('sync is not implemented yet');
    }),
  );
}
