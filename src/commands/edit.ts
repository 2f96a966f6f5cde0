// gdeploy edit: kubectl edit, then the rollout wait. The live object opens in
// the user's editor; what is saved is checked by a server dry run (reopening
// with the error on top), then released through the engine as an update (PUT)
// guarded by the resourceVersion it was read at, so a concurrent change is
// never overwritten.
import { Command, Option } from 'commander';
import { addWaitOptions, waitFlags, globalsOf, lockTimeoutOption, runAction } from './shared.js';
import { addFileOption, failureGraceOption, waitDurations } from './set-image.js';
import { addWriteBackOptions, writeBackProblems, type WriteBackFlags } from './write-back-flags.js';
import { ExitCode, GdeployError, assertValid, errorMessage } from '../engine/errors.js';
import type { Kube, KubeObject } from '../kube/types.js';
import type { EditFormat } from '../ui/edit-buffer.js';
import { log } from '../ui/log.js';

interface EditFlags extends WriteBackFlags {
  filename?: string[];
  recursive: boolean;
  output: EditFormat;
  wait: boolean;
  waitFor: 'all' | 'workloads' | 'none';
  timeout: string;
  bake?: string;
  failureGrace: string;
  lockTimeout: string;
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
    .addOption(lockTimeoutOption())
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
    if (flags.commit) return await (await import('../gitops/edit-commit.js')).editCommit(kube, objects, { ...flags, ...durations, ...waitFlags(flags) });
    const edited: Edited[] = [];
    for (const live of objects) {
      const e = await editOne(kube, live, flags.output);
      if (e) edited.push(e);
    }
    if (edited.length === 0) {
      log.info('Edit cancelled, no changes made.');
      return ExitCode.OK;
    }
    const { driftedFields } = await import('../engine/drift.js');
    const { kubectlName, refOf, subjectOf } = await import('../engine/changeset.js');
    const { isConflict } = await import('../kube/errors.js');
    const { releaseByHand, exitOf } = await import('./hand-release.js');
    const { saveEdit } = await import('../ui/editor.js');
    const keep = (e: Edited): Promise<string> => saveEdit(`${e.before.kind.toLowerCase()}-${e.before.metadata.name}.${flags.output}`, e.text);
    const keepAll = async (why: string): Promise<GdeployError> => {
      const files = await Promise.all(edited.map(keep));
      return new GdeployError(`${why}\n${files.map((f) => `Your edit is saved in ${f}`).join('\n')}`);
    };
    const h = await releaseByHand(kube, {
      action: 'edit',
      objects: edited.map((e) => e.edited),
      write: 'update',
      fieldManager: FIELD_MANAGER,
      // Warned about just before the write, after the editor closed, where it can be read.
      live: edited.map((e) => e.before),
      dryRun: false,
      ...waitFlags(flags),
      ...durations,
      rollbackOnFailure: flags.rollbackOnFailure,
      output: 'table',
      describe: (c) => `${c.ref.name}: ${driftedFields(c).map((f) => `${f.path}: ${f.live ?? '(none)'} -> ${f.desired ?? '(none)'}`).join('; ')}`,
      onDeployed: (result) => {
        for (const c of result.changeSet.changes) if (c.action === 'configured' || c.action === 'unchanged') log.result(`${kubectlName(c.ref)} edited`);
      },
    }).catch(async (err: unknown) => {
      // Not written (the app is locked by someone else, the cluster cannot be reached...): the edit is not lost.
      const kept = await keepAll(errorMessage(err));
      throw err instanceof GdeployError ? new GdeployError(kept.message, { exitCode: err.exitCode, hint: err.hint }) : kept;
    });
    // A write refused after the editor closed (someone changed the object since, or the server): the edit is not lost.
    const refused = h.outcome.deploy.errors;
    if (refused.length > 0) {
      const lines: string[] = [];
      for (const err of refused) {
        const e = edited.find((x) => err.subject === subjectOf(refOf(x.before)));
        const file = e ? await keep(e) : undefined;
        const why = isConflict(err.cause) ? `${err.subject} was changed by someone else while you edited it; nothing was overwritten.` : err.message;
        lines.push(file ? `${why}\nYour edit is saved in ${file}` : why);
      }
      throw new GdeployError(lines.join('\n'));
    }
    return exitOf(h);
  } finally {
    kube.close();
  }
}

interface Edited {
  before: KubeObject;
  /** The object as saved, to be written as an update. */
  edited: KubeObject;
  /** What the user saved, to keep in a file if the write is refused. */
  text: string;
}

/**
 * One object through the editor until what is saved passes a server dry run,
 * is cancelled, or fails for a reason editing again cannot fix. Returns
 * undefined when cancelled.
 */
async function editOne(kube: Kube, live: KubeObject, format: EditFormat): Promise<Edited | undefined> {
  const { buffer, invalidLines, parseBody, renderObject, stripHeader } = await import('../ui/edit-buffer.js');
  const { privateDir, runEditor, writePrivate } = await import('../ui/editor.js');
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { refOf, subjectOf } = await import('../engine/changeset.js');
  const { deepEqual } = await import('../engine/normalize.js');
  const { plan } = await import('../engine/plan.js');
  const { isConflict, isInvalid } = await import('../kube/errors.js');

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
      // Checked by the server as the update it will be, without writing it.
      const checked = await plan(kube, { objects: [edited], kind: 'edits', write: 'update', fieldManager: FIELD_MANAGER, app: '', namespace: live.metadata.namespace ?? kube.namespace });
      const refusal = checked.errors[0]?.cause ?? checked.errors[0]?.message;
      if (refusal === undefined) return { before: live, edited, text: body };
      if (isInvalid(refusal)) {
        errors = invalidLines(subject, refusal);
        continue;
      }
      if (isConflict(refusal)) throw keepEdit(`${subject} was changed by someone else while you edited it; nothing was overwritten.`);
      throw keepEdit(`${subject} could not be saved: ${errorMessage(refusal)}`);
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
