// gdeploy set-image: `kubectl set image` as a release of the engine: server-side
// apply of the new images (field manager gdeploy, on top of what gdeploy
// already owns), the rollout wait, the put back on failure and the app's
// history, as every other write.
import { Command, Option } from 'commander';
import { addWaitOptions, waitFlags, durationFlag, globalsOf, lockTimeoutOption, outputOption, runAction, type OutputFormat } from './shared.js';
import { addWriteBackOptions, writeBackProblems, type WriteBackFlags } from './write-back-flags.js';
import { ExitCode, GdeployError, assertValid, errorMessage } from '../engine/errors.js';
import { containerNames, hasPodTemplate, imageReferenceProblem, resolveImageChanges, type ImageChange } from '../engine/images.js';
import { labelSelectorProblem } from '../engine/label-selector.js';
import type { Kube, KubeObject } from '../kube/types.js';
import { log } from '../ui/log.js';

interface SetImageFlags extends WriteBackFlags {
  filename?: string[];
  recursive: boolean;
  all: boolean;
  selector?: string;
  dryRun: boolean;
  wait: boolean;
  waitFor: 'all' | 'workloads' | 'none';
  timeout: string;
  /** '0' (the default) for no bake. */
  bake?: string;
  failureGrace: string;
  lockTimeout: string;
  rollbackOnFailure: boolean;
  output: OutputFormat;
}

const EXAMPLES = `
Examples:
  # Release v1 of the tutorial's app and wait until it is rolled out
  gdeploy set-image deployment/hello-world-flask hello-world-flask=lyzhang1999/hello-world-flask:v1

  # Every container (init containers too) of a daemon set
  gdeploy set-image daemonset agent '*=registry.example.com/agent:2.1'

  # All deployments labelled app=web; put the old images back if the rollout fails
  gdeploy set-image deployments -l app=web web=web:1.4 --rollback-on-failure

  # Show the change without making it
  gdeploy set-image -f web.yaml web=web:1.4 --dry-run`;

export function setImageCommand(): Command {
  const cmd = new Command('set-image')
    .usage('(-f FILENAME | TYPE NAME | TYPE/NAME) CONTAINER=IMAGE... [options]')
    .description('update container images of workloads, then wait for the rollout (arguments as kubectl set image)')
    .argument('<args...>', 'resources, then CONTAINER=IMAGE pairs (* for every container)');
  addFileOption(cmd);
  addWaitOptions(cmd);
  cmd
    .option('--all', 'every resource of the given types in the namespace', false)
    .option('-l, --selector <selector>', 'label selector for the given types, e.g. app=web')
    .option('--dry-run', 'show the change (server dry run); change nothing', false);
  return addWriteBackOptions(cmd)
    .addOption(failureGraceOption())
    .addOption(lockTimeoutOption())
    .addOption(outputOption())
    .addHelpText('after', EXAMPLES)
    .action(runAction(async (args: string[], flags: SetImageFlags, self: Command) => runSetImage(args, flags, self)));
}

/**
 * -f/-R taking one path per flag: `-f web.yaml web=web:2` must leave the
 * image pair an argument, as in kubectl, where a variadic -f would swallow it.
 */
export function addFileOption(cmd: Command): Command {
  const collect = (path: string, all: string[] | undefined) => [...(all ?? []), path];
  return cmd
    .option('-f, --filename <path>', "manifest file or directory naming the objects (repeatable)", collect)
    .option('-R, --recursive', 'descend into directories given with -f', false);
}

/** How long a failing new Pod is given before the rollout fails; shared with edit. */
export function failureGraceOption(): Option {
  return new Option(
    '--failure-grace <duration>',
    'how long a new Pod may stay in ImagePullBackOff, CrashLoopBackOff, ... before the rollout fails',
  ).default('5s');
}

/** --timeout, --bake, --failure-grace and --lock-timeout in milliseconds; problems with them are appended. */
export function waitDurations(
  flags: { timeout: string; bake?: string; failureGrace: string; lockTimeout: string },
  problems: string[],
): { timeoutMs: number; bakeMs: number; failureGraceMs: number; lockWaitMs: number } {
  return {
    timeoutMs: durationFlag('--timeout', flags.timeout, problems),
    bakeMs: durationFlag('--bake', flags.bake ?? '0', problems),
    failureGraceMs: durationFlag('--failure-grace', flags.failureGrace, problems),
    lockWaitMs: durationFlag('--lock-timeout', flags.lockTimeout, problems),
  };
}

interface Request {
  resources: string[];
  images: Map<string, string>;
  timeoutMs: number;
  bakeMs: number;
  failureGraceMs: number;
  lockWaitMs: number;
}

/** Every problem with the arguments, found before any request (kubectl's Validate). */
export function validate(args: string[], flags: SetImageFlags): Request {
  const problems: string[] = [];
  const resources: string[] = [];
  const images = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) {
      if (images.size > 0) problems.push(`all resources must be specified before image changes: ${arg}`);
      else resources.push(arg);
      continue;
    }
    const [container, image] = [arg.slice(0, eq), arg.slice(eq + 1)];
    if (!container) {
      problems.push(`invalid image format: ${arg}`);
      continue;
    }
    const why = imageReferenceProblem(image);
    if (why) problems.push(`invalid image "${image}" for container "${container}": ${why}`);
    images.set(container, image);
  }
  if (flags.all && flags.selector) problems.push('cannot set --all and --selector at the same time');
  const badSelector = flags.selector === undefined ? undefined : labelSelectorProblem(flags.selector);
  if (badSelector) problems.push(`invalid -l/--selector "${flags.selector}": ${badSelector}`);
  if (resources.length === 0 && !flags.filename?.length) {
    problems.push('one or more resources must be specified as <resource> <name> or <resource>/<name>');
  }
  if (resources.length > 0 && flags.filename?.length) problems.push('resources cannot be named both as arguments and with -f');
  if (images.size === 0) problems.push('at least one image update is required');
  problems.push(...writeBackProblems(flags));
  if (flags.commit && flags.dryRun) problems.push('--commit cannot be combined with --dry-run');
  else if (images.size > 1 && images.has('*')) {
    problems.push('all containers are already specified by *, but saw more than one container_name=container_image pairs');
  }
  const durations = waitDurations(flags, problems);
  assertValid(problems);
  return { resources, images, ...durations };
}

async function runSetImage(args: string[], flags: SetImageFlags, self: Command): Promise<number> {
  const req = validate(args, flags);
  const g = globalsOf(self);
  const { connect } = await import('../kube/index.js');
  const kube = await connect({ ...g, log: g.verbose ? log.debug : undefined });
  try {
    return await run(kube, req, flags);
  } finally {
    kube.close();
  }
}

interface Planned {
  live: KubeObject;
  changes: ImageChange[];
}

async function run(kube: Kube, req: Request, flags: SetImageFlags): Promise<number> {
  const { selectObjects } = await import('../engine/select.js');
  const objects = await selectObjects(kube, req.resources, flags).catch(async (err: unknown) => {
    const { isNotFound } = await import('../kube/index.js');
    // --commit changes git, but the object named is read from the cluster: say which one was asked.
    if (!flags.commit || !isNotFound(err)) throw err;
    throw new GdeployError(`${errorMessage(err)} in namespace ${kube.namespace} of context ${kube.context}`, {
      hint: 'set-image --commit reads the object from the cluster to find its containers: run it against the cluster and namespace the app is deployed to (--context, -n)',
    });
  });
  if (objects.length === 0) {
    log.info(`No resources found in ${kube.namespace} namespace.`);
    return ExitCode.OK;
  }
  if (flags.commit) return commitThenSync(kube, objects, req, flags);
  // Same image already: nothing to apply, and kubectl prints nothing for it either.
  const planned = planChanges(objects, req.images).filter((p) => p.changes.length > 0);
  if (planned.length === 0) {
    if (flags.output !== 'table') (await import('../ui/progress.js')).printImageUpdate(flags.output, { dryRun: flags.dryRun, planned });
    return ExitCode.OK;
  }
  const { imageApplyBody } = await import('../engine/images.js');
  const { DEFAULT_FIELD_MANAGER } = await import('../engine/write.js');
  const { keyOf, kubectlName, refOf } = await import('../engine/changeset.js');
  const { renderChangeDiff } = await import('../ui/diff.js');
  const { releaseByHand, exitOf } = await import('./hand-release.js');
  const byKey = new Map(planned.map((p) => [keyOf(refOf(p.live)), p]));
  const h = await releaseByHand(kube, {
    action: 'set-image',
    // Server-side apply of what gdeploy owns already, with the new images: nothing else changes hands.
    objects: planned.map((p) => imageApplyBody(p.live, p.changes, DEFAULT_FIELD_MANAGER)),
    write: 'apply',
    fieldManager: DEFAULT_FIELD_MANAGER,
    live: planned.map((p) => p.live),
    dryRun: flags.dryRun,
    ...waitFlags(flags),
    timeoutMs: req.timeoutMs,
    bakeMs: req.bakeMs,
    failureGraceMs: req.failureGraceMs,
    lockWaitMs: req.lockWaitMs,
    rollbackOnFailure: flags.rollbackOnFailure,
    output: flags.output,
    describe: (c) => (byKey.get(keyOf(c.ref))?.changes ?? []).map((i) => `${i.container}: ${i.from} -> ${i.to}`).join('; '),
    onDeployed: (result) => {
      if (flags.output !== 'table') return;
      // kubectl's line for each object, and the diff with --dry-run.
      for (const c of result.changeSet.changes) {
        if (c.action === 'failed' || c.action === 'skipped') continue;
        const diff = flags.dryRun ? renderChangeDiff(c) : '';
        if (diff) log.result(diff);
        log.result(`${kubectlName(c.ref)} image updated${flags.dryRun ? ' (server dry run)' : ''}`);
      }
    },
  });
  if (flags.output !== 'table' && h.interrupted === undefined) {
    const { printImageUpdate } = await import('../ui/progress.js');
    const apps = h.owners.map((o) => ({ app: o.app, namespace: o.namespace, inGit: !o.followsGit, ...(o.followsGit ? { followsGit: o.followsGit } : {}) }));
    printImageUpdate(flags.output, { dryRun: flags.dryRun, planned, rollout: h.outcome.rollout, error: h.failure?.message, apps });
    if (h.failure) log.error(h.failure.message);
    return h.failure?.exitCode ?? ExitCode.OK;
  }
  return exitOf(h);
}

/**
 * --commit: the images go into the manifests in git (every object named,
 * whether or not the cluster already runs them), then a sync deploys that
 * commit and waits, unless --no-sync.
 */
async function commitThenSync(kube: Kube, objects: KubeObject[], req: Request, flags: SetImageFlags): Promise<number> {
  const { owningApps } = await import('../engine/ownership.js');
  const { openTarget, commitImages, committedLine, syncPushed, preloadSync } = await import('../gitops/write-back.js');
  if (flags.sync !== false) preloadSync();
  // Every container named, even one the cluster already runs the image in: git may not have it yet.
  const changes = planChanges(objects, req.images, true).map((p) => ({ object: p.live, images: p.changes }));
  const owners = await owningApps(kube, objects);
  const target = await openTarget(owners, flags, 'set-image --commit');
  const pushed = await commitImages(target, changes);
  log.info(
    pushed.files.length > 0
      ? committedLine(target, pushed)
      : `${target.branch} of ${target.source.url.display} has these images already at ${pushed.sha.slice(0, 12)}: nothing to commit`,
  );
  if (flags.output !== 'table') log.result(JSON.stringify({ apiVersion: 'gdeploy.dev/v1alpha1', kind: 'ImageCommit', sha: pushed.sha, branch: target.branch, files: pushed.files }));
  if (flags.sync === false) return ExitCode.OK;
  return syncPushed(kube, target, pushed, { ...waitFlags(flags), timeout: flags.timeout, timeoutMs: req.timeoutMs, bakeMs: req.bakeMs, lockTimeout: flags.lockTimeout, lockWaitMs: req.lockWaitMs, rollbackOnFailure: flags.rollbackOnFailure, output: flags.output });
}

/**
 * The image changes for each object, checked in full before the first write:
 * a typo in one container name must not leave half of a selection changed.
 */
function planChanges(objects: KubeObject[], images: ReadonlyMap<string, string>, keepSame = false): Planned[] {
  const problems: string[] = [];
  const planned: Planned[] = [];
  for (const live of objects) {
    const name = `${live.kind.toLowerCase()}/${live.metadata.name}`;
    if (!hasPodTemplate(live.kind)) {
      problems.push(`${name}: a ${live.kind} has no pod template, so no images to set`);
      continue;
    }
    const { changes, unknown } = resolveImageChanges(live, images);
    for (const c of unknown) {
      problems.push(`${name}: unable to find container named "${c}"; its containers are: ${containerNames(live).join(', ') || 'none'}`);
    }
    planned.push({ live, changes: keepSame ? changes : changes.filter((c) => c.from !== c.to) });
  }
  if (problems.length === 1) throw new GdeployError(`${problems[0]}; nothing changed`);
  if (problems.length > 1) throw new GdeployError(`nothing changed:\n  - ${problems.join('\n  - ')}`);
  return planned;
}
