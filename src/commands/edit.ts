// gdeploy edit: kubectl edit, then the rollout wait. The live object opens in
// the user's editor; saving applies it as an update (PUT) guarded by the
// resourceVersion it was read at, so a concurrent change is never overwritten.
import { Command, Option } from 'commander';
import { addWaitOptions, globalsOf, runAction } from './shared.js';
import { addFileOption, failureGraceOption, waitDurations } from './set-image.js';
import { addWriteBackOptions, writeBackProblems, type WriteBackFlags } from './write-back-flags.js';
import { ExitCode, GdeployError, assertValid, errorMessage } from '../engine/errors.js';
import type { Kube, KubeObject } from '../kube/types.js';
import type { EditFormat } from '../ui/edit-buffer.js';
import type { OwningApp } from '../engine/ownership.js';
import type { RevisionResult } from '../engine/history.js';
import { log } from '../ui/log.js';

interface EditFlags extends WriteBackFlags {
  filename?: string[];
  recursive: boolean;
  output: EditFormat;
  wait: boolean;
  timeout: string;
  failureGrace: string;
  rollbackOnFailure: boolean;
}

/** Field manager of edits, as kubectl's is kubectl-edit. */
const FIELD_MANAGER = 'gdeploy-edit';

const EXAMPLES = `
Examples:
  # Edit the tutorial's Deployment and wait for the rollout the edit starts
  gdeploy edit deployment hello-world-flask

  # Edit as JSON, with a graphical editor that needs --wait
  KUBE_EDITOR="code --wait" gdeploy edit deployment/hello-world-flask -o json

  # Edit its manifest as written in git (comments kept), then commit, push and deploy that commit
  gdeploy edit deployment/hello-world-flask --commit

The editor is $KUBE_EDITOR, else $EDITOR, else vi. Saving the object unchanged,
or deleting everything, cancels the edit.`;

export function editCommand(): Command {
  const cmd = new Command('edit')
    .usage('(TYPE NAME | TYPE/NAME | -f FILENAME) [options]')
    .description('edit a live object in your editor, apply it, and wait for the rollout it starts')
    .argument('[resources...]', 'TYPE NAME or TYPE/NAME');
  addFileOption(cmd);
  addWaitOptions(cmd);
  addWriteBackOptions(cmd);
  return cmd
    .addOption(new Option('-o, --output <format>', 'format to edit in').choices(['yaml', 'json']).default('yaml'))
    .addOption(failureGraceOption())
    .addHelpText('after', EXAMPLES)
    .action(runAction(async (resources: string[], flags: EditFlags, self: Command) => runEdit(resources, flags, self)));
}

async function runEdit(resources: string[], flags: EditFlags, self: Command): Promise<number> {
  const problems: string[] = [];
  if (resources.length === 0 && !flags.filename?.length) problems.push('specify TYPE NAME, TYPE/NAME or -f FILENAME');
  if (resources.length > 0 && flags.filename?.length) problems.push('resources cannot be named both as arguments and with -f');
  problems.push(...writeBackProblems(flags));
  if (flags.commit && flags.output === 'json') problems.push('-o json cannot be combined with --commit: the manifest is edited as it is written in git');
  const durations = waitDurations(flags, problems);
  assertValid(problems);

  const g = globalsOf(self);
  const { connect } = await import('../kube/index.js');
  const kube = await connect({ ...g, log: g.verbose ? log.debug : undefined });
  try {
    const { selectObjects } = await import('../engine/select.js');
    const objects = await selectObjects(kube, resources, flags);
    if (flags.commit) return await (await import('../gitops/edit-commit.js')).editCommit(kube, objects, { ...flags, ...durations });
    const { owningApps, notInGitMessage } = await import('../engine/ownership.js');
    const owners = await owningApps(kube, objects);
    // Said just before the write (after the editor closed, where it can be read): git will take the change back.
    const warned = new Set<OwningApp>();
    const beforeWrite = (live: KubeObject): void => {
      const o = owners.find((x) => x.objects.includes(live));
      if (o?.followsGit && !warned.has(o)) log.warn(notInGitMessage(o, [live]));
      if (o) warned.add(o);
    };
    const edited: Edited[] = [];
    for (const live of objects) {
      const e = await editOne(kube, live, flags.output, beforeWrite);
      if (e) edited.push(e);
    }
    if (edited.length === 0) {
      log.info('Edit cancelled, no changes made.');
      return ExitCode.OK;
    }
    const record = (result: RevisionResult, reason?: string) => recordEdits(kube, owners, edited, result, reason);
    if (!flags.wait) return await record('succeeded').then(() => ExitCode.OK);
    const { catchInterrupts } = await import('../gitops/interrupt.js');
    // Ctrl-C stops the waiting only; the rollout goes on in the cluster.
    const interrupt = catchInterrupts();
    try {
      const code = await waitForEdits(kube, edited, { ...durations, rollbackOnFailure: flags.rollbackOnFailure, signal: interrupt.signal });
      await record('succeeded');
      return code;
    } catch (err) {
      const code = interrupt.exitCode();
      await record(code !== undefined ? 'interrupted' : flags.rollbackOnFailure ? 'rolled back' : 'failed', errorMessage(err));
      if (code === undefined) throw err;
      log.error('interrupted while waiting for the rollout; it goes on in the cluster');
      return code;
    } finally {
      interrupt.dispose();
    }
  } finally {
    kube.close();
  }
}

interface Edited {
  before: KubeObject;
  after: KubeObject;
}

/** One revision per app whose objects were edited: the fields that changed, old and new. */
async function recordEdits(kube: Kube, owners: OwningApp[], edited: Edited[], result: RevisionResult, reason?: string): Promise<void> {
  const { recordManualChange } = await import('../engine/ownership.js');
  const { driftedFields } = await import('../engine/drift.js');
  const { refOf, subjectOf } = await import('../engine/changeset.js');
  for (const o of owners) {
    const mine = edited.filter((e) => o.objects.includes(e.before));
    if (mine.length === 0) continue;
    const what = mine
      .map((e) => {
        const ref = refOf(e.before);
        const fields = driftedFields({ ref, subject: subjectOf(ref), action: 'configured', before: e.before, after: e.after });
        return `${ref.name}: ${fields.map((f) => `${f.path}: ${f.live ?? '(none)'} -> ${f.desired ?? '(none)'}`).join('; ')}`;
      })
      .join('; ');
    await recordManualChange(kube, o, { action: 'edit', result, what, reason, objects: mine.map((e) => e.before) }).catch((err) =>
      log.warn(`cannot record the edit in the history of app ${o.app}: ${errorMessage(err)}`),
    );
  }
}

/**
 * One object through the editor until it saves, is cancelled, or fails for a
 * reason editing again cannot fix. Returns undefined when cancelled.
 */
async function editOne(kube: Kube, live: KubeObject, format: EditFormat, beforeWrite: (live: KubeObject) => void): Promise<Edited | undefined> {
  const { buffer, parseBody, renderObject, stripHeader } = await import('../ui/edit-buffer.js');
  const { privateDir, runEditor, writePrivate } = await import('../ui/editor.js');
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { kubectlName, refOf, subjectOf } = await import('../engine/changeset.js');
  const { deepEqual } = await import('../engine/normalize.js');
  const { isConflict, isInvalid, KubeError } = await import('../kube/errors.js');

  const ref = refOf(live);
  const shown = forEditing(live);
  const original = renderObject(shown, format);
  const subject = subjectOf(ref);
  const dir = await privateDir();
  const file = join(dir.path, `${ref.kind.toLowerCase()}-${ref.name}.${format}`);
  let keep = false;
  const keepEdit = (why: string): GdeployError => {
    keep = true;
    return new GdeployError(`${why}\nYour edit is saved in ${file}`);
  };
  try {
    let body = original;
    let errors: string[] = [];
    for (;;) {
      const presented = buffer(body, errors);
      await writePrivate(file, presented);
      const code = await runEditor(file);
      if (code !== 0) throw new GdeployError(`the editor exited with code ${code}; ${subject} was not changed`);
      const text = await readFile(file, 'utf8');
      if (errors.length > 0 && text === presented) throw keepEdit('Edit cancelled, no valid changes were saved.');
      body = stripHeader(text);
      if (body.trim() === '' || body === original) return undefined;

      let edited: KubeObject | undefined;
      try {
        edited = parseBody(body, format);
      } catch (err) {
        errors = [`The edited file is not valid ${format.toUpperCase()}:`, errorMessage(err)];
        continue;
      }
      if (!edited || deepEqual(edited, shown)) return undefined;
      const changedIdentity = identityChanges(live, edited);
      if (changedIdentity.length > 0) {
        errors = [`${changedIdentity.join(', ')} identify the object and cannot be changed by editing it.`];
        continue;
      }
      // The version we showed, whatever the text says: an update must not win over a change made since.
      edited.metadata.resourceVersion = live.metadata.resourceVersion;
      beforeWrite(live);
      try {
        const after = await kube.update(edited, { fieldManager: FIELD_MANAGER });
        log.result(`${kubectlName(ref)} edited`);
        return { before: live, after: { ...after, apiVersion: after.apiVersion || live.apiVersion, kind: after.kind || live.kind } };
      } catch (err) {
        if (isInvalid(err)) {
          const causes = err instanceof KubeError ? err.causes.map((c) => `  * ${c.field ? `${c.field}: ` : ''}${c.message ?? c.reason ?? ''}`) : [];
          errors = [`${subject} is invalid:`, errorMessage(err), ...causes];
          continue;
        }
        if (isConflict(err)) {
          throw keepEdit(`${subject} was changed by someone else while you edited it; nothing was overwritten.`);
        }
        throw keepEdit(`${subject} could not be saved: ${errorMessage(err)}`);
      }
    }
  } finally {
    if (!keep) await dir.remove();
  }
}

/** What the user sees: the live object without managedFields (kubectl hides them too). */
function forEditing(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete copy.metadata.managedFields;
  return copy;
}

function identityChanges(live: KubeObject, edited: KubeObject): string[] {
  const group = (v: unknown) => (typeof v === 'string' && v.includes('/') ? v.slice(0, v.indexOf('/')) : '');
  const changed: string[] = [];
  if (edited.kind !== live.kind) changed.push('kind');
  if (typeof edited.apiVersion !== 'string' || group(edited.apiVersion) !== group(live.apiVersion)) changed.push('apiVersion');
  if (edited.metadata?.name !== live.metadata.name) changed.push('name');
  if ((edited.metadata?.namespace ?? live.metadata.namespace) !== live.metadata.namespace) changed.push('namespace');
  return changed;
}

interface WaitSettings {
  timeoutMs: number;
  failureGraceMs: number;
  rollbackOnFailure: boolean;
  signal: AbortSignal;
}

/** Waits for the rollouts the edits started (a changed pod template bumps the generation). */
async function waitForEdits(kube: Kube, edited: Edited[], s: WaitSettings): Promise<number> {
  const { isWatchedKind } = await import('../rollout/index.js');
  const started = edited.filter(
    (e) => isWatchedKind(e.after.kind) && (e.after.metadata.generation ?? 0) > (e.before.metadata.generation ?? 0),
  );
  if (started.length === 0) return ExitCode.OK;
  const { followRollouts, rolloutError } = await import('../ui/progress.js');
  const { refOf } = await import('../engine/changeset.js');
  const follow = { timeoutMs: s.timeoutMs, failureGraceMs: s.failureGraceMs, signal: s.signal, output: 'table' as const, namespace: kube.namespace };
  const targets = started.map((e) => ({ ref: refOf(e.after), generation: e.after.metadata.generation }));
  const result = await followRollouts(kube, targets, follow);
  if (result.outcome === 'done') return ExitCode.OK;
  if (!s.rollbackOnFailure) throw rolloutError(result, kube.namespace);

  log.info('rolling back: putting the objects back as they were before the edit');
  const restoredTargets = [];
  for (const e of started) {
    const current = await kube.get(refOf(e.after));
    const previous = forEditing(e.before);
    previous.metadata.resourceVersion = current.metadata.resourceVersion;
    const back = await kube.update(previous, { fieldManager: FIELD_MANAGER });
    restoredTargets.push({ ref: refOf(e.after), generation: back.metadata.generation });
  }
  const restored = await followRollouts(kube, restoredTargets, follow);
  throw rolloutError(result, kube.namespace, restored);
}
