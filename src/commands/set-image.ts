import { Command } from 'commander';
import { runAction } from './shared.js';
import { GdeployError } from '../engine/errors.js';

export function setImageCommand(): Command {
  return new Command('set-image').description('set-image').action(
    runAction(async () => {
      throw new GdeployError('set-image is not implemented yet');
    }),
  );
}
