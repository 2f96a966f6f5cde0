// The flags of a change written to git instead of the cluster: --commit and
// the ones that go with it, offered by other commands exactly as set-image
// defines them (same names, help and defaults), and checked the same way.
import type { Command } from 'commander';
import { setImageCommand } from './set-image.js';

const WRITE_BACK_FLAGS = ['--commit', '--repo', '--branch', '--path', '--no-sync', '--cache-dir'];

export interface WriteBackFlags {
  commit?: boolean;
  repo?: string;
  branch?: string;
  path?: string;
  /** False with --no-sync. */
  sync?: boolean;
  cacheDir?: string;
}

/** Adds set-image's --commit, --repo, --branch, --path, --no-sync and --cache-dir to `cmd`. */
export function addWriteBackOptions(cmd: Command): Command {
  for (const option of setImageCommand().options) {
    if (WRITE_BACK_FLAGS.includes(option.long ?? '')) cmd.addOption(option);
  }
  return cmd;
}

/** The flags given that mean something only with --commit. */
export function writeBackProblems(flags: WriteBackFlags): string[] {
  if (flags.commit) return [];
  const given = { '--repo': flags.repo, '--branch': flags.branch, '--path': flags.path, '--no-sync': flags.sync === false ? true : undefined };
  return Object.entries(given)
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => `${flag} is only for --commit`);
}
