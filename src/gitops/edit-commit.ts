// `edit --commit`: the object's manifest as it is written in git (its
// document, comments included) opens in the editor; the edit is validated by
// a server-side dry run, written back in place of that document (nothing else
// in the file changes), committed and pushed without force, then deployed by
// sync as `set-image --commit` does. Saving it unchanged commits nothing.
import { extname, join, posix } from 'node:path';
import { readFile } from 'node:fs/promises';
import { ExitCode, GdeployError, UsageError, errorMessage } from '../engine/errors.js';
import { asDocumentText, findDocuments, replaceDocument, type DocumentTarget, type FoundDocument } from '../engine/manifest-documents.js';
import { parseManifests } from '../engine/manifests.js';
import { refOf, subjectOf } from '../engine/changeset.js';
import { driftedFields } from '../engine/drift.js';
import { owningApps } from '../engine/ownership.js';
import { KubeError, isInvalid, isMalformed } from '../kube/errors.js';
import type { Kube, KubeObject } from '../kube/types.js';
import { invalidLines, sourceBody, sourceBuffer } from '../ui/edit-buffer.js';
import { privateDir, runEditor, writePrivate } from '../ui/editor.js';
import { log } from '../ui/log.js';
import { KUSTOMIZATION_FILES, committedLine, openTarget, preloadSync, syncPushed, type CommitTarget, type SyncPushedSettings, type WriteBackTarget } from './write-back.js';
import { writeObject } from '../engine/write.js';

const COMMAND = 'edit --commit';

export interface EditCommitSettings extends WriteBackTarget, Omit<SyncPushedSettings, 'output'> {
  /** False with --no-sync: stop after the push. */
  sync?: boolean;
}

const name = (obj: { kind: string; metadata: { name?: string } }): string => `${obj.kind.toLowerCase()}/${obj.metadata.name}`;

export async function editCommit(kube: Kube, objects: KubeObject[], s: EditCommitSettings): Promise<number> {
  if (objects.length === 0) {
    log.info(`No resources found in ${kube.namespace} namespace.`);
    return ExitCode.OK;
  }
  if (objects.length > 1) {
    throw new UsageError(`${COMMAND} edits one object at a time; ${objects.length} were named: ${objects.map(name).join(', ')}`, 'name one object as TYPE/NAME');
  }
  const live = objects[0]!;
  if (s.sync !== false) preloadSync();
  const owners = await owningApps(kube, objects);
  const target = await openTarget(owners, s, COMMAND);
  const wanted: DocumentTarget = {
    kind: live.kind,
    name: live.metadata.name!,
    namespace: live.metadata.namespace,
    // A manifest without a namespace is deployed to the namespace the app was synced to.
    defaultNamespace: owners[0]?.namespace ?? kube.namespace,
  };
  const head = await target.source.mirror.update({ branch: target.branch });
  const doc = locate(await target.source.mirror.yamlFiles(head.sha, target.source.path), wanted, target);

  const dir = await privateDir();
  const file = join(dir.path, `${live.kind.toLowerCase()}-${live.metadata.name}${extname(doc.file) || '.yaml'}`);
  let keep = false;
  // The user's text outlives a failure: it is kept in the file, and the message says where.
  const keepEdit = (err: unknown): GdeployError => {
    keep = true;
    const g = err instanceof GdeployError ? err : undefined;
    return new GdeployError(`${errorMessage(err)}\nYour edit is saved in ${file}`, { hint: g?.hint, exitCode: g?.exitCode });
  };
  try {
    const edited = await editDocument(kube, live, doc, file, keepEdit);
    if (!edited) {
      log.info('Edit cancelled, no changes made.');
      return ExitCode.OK;
    }
    let pushed;
    try {
      pushed = await target.source.mirror.commitEdit(target.branch, target.source.path, commitMessage(live, doc.object, edited.object), (files) => {
        // The head may have moved since the editor opened: the same document, re-read there, gets the edit.
        const now = locate(files, wanted, target);
        if (now.file !== doc.file || now.text !== doc.text) {
          throw new GdeployError(
            `${name(live)} was changed in git while you edited it (${now.file} on ${target.branch} of ${target.source.url.display}); nothing was committed, so that change is not overwritten`,
            { hint: `run ${COMMAND} again to edit what git has now` },
          );
        }
        return new Map([[now.file, replaceDocument(files.get(now.file)!, now, edited.text)]]);
      });
    } catch (err) {
      throw keepEdit(err);
    }
    log.info(committedLine(target, pushed));
    if (s.sync === false) return ExitCode.OK;
    return await syncPushed(kube, target, pushed, { ...s, output: 'table' });
  } finally {
    if (!keep) await dir.remove();
  }
}

/**
 * The one document under the target's path that defines the object, as a
 * sync reads it. A kustomization may patch what its files say, so a document
 * kustomize renders is not edited here.
 */
function locate(files: ReadonlyMap<string, string>, wanted: DocumentTarget, target: CommitTarget): FoundDocument {
  const { source, branch } = target;
  const what = `${wanted.kind.toLowerCase()}/${wanted.name}`;
  const where = `under path "${source.path}" of ${source.url.display} at ${branch}`;
  // Where a directory holds a kustomization, sync deploys what kustomize makes of it and the files below it.
  const kustomizations = [...files.keys()].filter((f) => KUSTOMIZATION_FILES.includes(posix.basename(f)));
  const refuseKustomized = (dir: string) => {
    const k = kustomizations.find((f) => dir === posix.dirname(f) || dir.startsWith(`${posix.dirname(f)}/`) || posix.dirname(f) === '.');
    if (!k) return;
    throw new GdeployError(`${what}: ${k} makes ${posix.dirname(k)} a kustomization, which may change what its files say; ${COMMAND} edits only manifests deployed as they are written, and nothing was committed`, {
      hint: 'edit the file in a clone of the repository, commit and push; sync deploys it',
    });
  };
  refuseKustomized(source.path === './' ? '.' : source.path.replace(/\/$/, ''));
  const { found, unreadable } = findDocuments(files, wanted);
  if (found.length === 0) {
    const searched = [...files.keys()];
    const hint = [
      searched.length > 0 ? `searched: ${searched.join(', ')}` : 'that path holds no YAML files',
      ...unreadable.map((u) => `cannot read ${u.file}: ${u.error}`),
    ].join('\n');
    throw new GdeployError(`${what}: no manifest ${where} defines it; nothing was committed`, { hint });
  }
  if (found.length > 1) {
    throw new GdeployError(`${what} is defined more than once ${where}: ${found.map((d) => `${d.file} (line ${d.line})`).join(', ')}; nothing was committed`);
  }
  const doc = found[0]!;
  refuseKustomized(posix.dirname(doc.file));
  if (doc.objects > 1) {
    throw new GdeployError(`${what} is one of ${doc.objects} objects of a List in ${doc.file} (line ${doc.line}); ${COMMAND} edits a document that defines one object, and nothing was committed`);
  }
  return doc;
}

/**
 * The editor loop: the document as written until it is saved valid, or
 * cancelled (undefined). Invalid YAML, a changed identity or a server-side
 * dry run that refuses the object reopen the editor with the reason on top.
 */
async function editDocument(
  kube: Kube,
  live: KubeObject,
  doc: FoundDocument,
  file: string,
  keepEdit: (err: unknown) => GdeployError,
): Promise<{ text: string; object: KubeObject } | undefined> {
  const subject = subjectOf(refOf(live));
  let body = doc.text;
  let errors: string[] = [];
  for (;;) {
    const presented = sourceBuffer(body, errors);
    await writePrivate(file, presented);
    const code = await runEditor(file);
    if (code !== 0) throw new GdeployError(`the editor exited with code ${code}; nothing was committed`);
    const saved = await readFile(file, 'utf8');
    if (errors.length > 0 && saved === presented) throw keepEdit(new GdeployError('Edit cancelled, no valid changes were saved.'));
    body = asDocumentText(sourceBody(saved, presented), doc.text);
    if (body.trim() === '' || body === doc.text) return undefined;

    let objects: KubeObject[];
    const parse = (linesAbove: number) => parseManifests('\n'.repeat(linesAbove) + body, file);
    try {
      objects = parse(0);
    } catch (err) {
      const notes = (e: unknown) => ['The edited manifest is not valid:', errorMessage(e)];
      // Read again where the text stands when the file reopens (below the header and these notes), so that the line number is the editor's.
      const above = sourceBuffer('', notes(err)).split('\n').length - 1;
      errors = notes(err);
      try {
        parse(above);
      } catch (again) {
        errors = notes(again);
      }
      continue;
    }
    if (objects.length !== 1) {
      errors = [`The edited manifest must define one object, ${live.kind} ${live.metadata.name}; it defines ${objects.length}.`];
      continue;
    }
    const edited = objects[0]!;
    const changed = identityChanges(live, edited);
    if (changed.length > 0) {
      errors = [`${changed.join(', ')} identify the object and cannot be changed by editing it.`];
      continue;
    }
    try {
      // As sync will apply it: server-side apply, gdeploy's field manager, conflicts taken over.
      await writeObject(kube, forDryRun(live, edited), { dryRun: true, force: true });
    } catch (err) {
      if (isInvalid(err) || isMalformed(err)) {
        errors = invalidLines(subject, err);
        continue;
      }
      throw keepEdit(new GdeployError(`${subject} could not be validated (server-side dry run): ${errorMessage(err)}; nothing was committed`, err instanceof KubeError ? { hint: err.hint } : {}));
    }
    return { text: body, object: edited };
  }
}

/** What the dry run applies: the edited object where sync would put it. */
function forDryRun(live: KubeObject, edited: KubeObject): KubeObject {
  const obj = structuredClone(edited);
  if (live.metadata.namespace && !obj.metadata.namespace) obj.metadata.namespace = live.metadata.namespace;
  return obj;
}

/** Kind, API group, name and namespace: the edit must still define the object it was opened for. */
function identityChanges(live: KubeObject, edited: KubeObject): string[] {
  const group = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');
  const checks: Array<[string, boolean]> = [
    ['kind', edited.kind === live.kind],
    ['apiVersion', group(edited.apiVersion) === group(live.apiVersion)],
    ['name', edited.metadata.name === live.metadata.name],
    ['namespace', !live.metadata.namespace || (edited.metadata.namespace || live.metadata.namespace) === live.metadata.namespace],
  ];
  return checks.filter(([, same]) => !same).map(([field]) => field);
}

/** `Edit deployment/NAME`, then a line per changed field as git had it and as it is now. */
function commitMessage(live: KubeObject, before: KubeObject, after: KubeObject): string {
  const ref = refOf(live);
  const fields = driftedFields({ ref, subject: subjectOf(ref), action: 'configured', before, after });
  const MAX = 20;
  // driftedFields compares a live object to a desired one: here git's text before the edit (live) and after it (desired).
  const lines = fields.slice(0, MAX).map((f) => `${f.path}: ${f.live ?? '(none)'} -> ${f.desired ?? '(none)'}`);
  if (fields.length > MAX) lines.push(`... and ${fields.length - MAX} more fields`);
  return `Edit ${name(live)}\n\n${lines.length > 0 ? lines.join('\n') : 'Comments and layout only.'}`;
}
