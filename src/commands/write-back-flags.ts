// The flags of a change written to git instead of the cluster: --commit and
// the ones that go with it, the same for every command that offers them
// (set-image, edit), and checked the same way.
import type { Command } from 'commander';

export interface WriteBackFlags {
  commit?: boolean;
  repo?: string;
  branch?: string;
  path?: string;
  /** False with --no-sync. */
  sync?: boolean;
  cacheDir?: string;
}

/** Adds --commit, --repo, --branch, --path, --no-sync and --cache-dir to `cmd`. */
export function addWriteBackOptions(cmd: Command): Command {
  return cmd
    .option('--commit', 'write the change to the manifests in git (commit, push without force), then deploy that commit with sync', false)
    .option('--repo <url>', "with --commit: the repository (default: the one the objects' app follows)")
    .option('--branch <name>', "with --commit: the branch (default: the app's, else the repository's default)")
    .option('--path <dir>', "with --commit: the directory of the manifests in the repository (default: the app's, else ./)")
    .option('--no-sync', 'with --commit: stop after the push (a reconciler deploys it)')
    .option('--cache-dir <dir>', 'with --commit: where repositories are mirrored (default: $XDG_CACHE_HOME/gdeploy, else ~/.cache/gdeploy)');
}

/** The flags given that mean something only with --commit. */
export function writeBackProblems(flags: WriteBackFlags): string[] {
  if (flags.commit) return [];
  const given = { '--repo': flags.repo, '--branch': flags.branch, '--path': flags.path, '--no-sync': flags.sync === false ? true : undefined };
  return Object.entries(given)
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => `${flag} is only for --commit`);
}
