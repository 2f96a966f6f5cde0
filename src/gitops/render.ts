// How sync, the watch loop and rollback read: results (change lines, the
// revision) on stdout, progress and notices on stderr, in kubectl's voice.
// With -o json|yaml, one document per deployed revision on stdout instead.
import yaml from 'js-yaml';
import { kubectlName, toJSON, type ChangeSetJSON } from '../engine/changeset.js';
import type { RevisionRecord } from '../engine/history.js';
import type { DriftedField } from '../engine/drift.js';
import type { ObjectRef } from '../kube/types.js';
import { printWarnings, renderIncomplete, renderLines, renderSummary } from '../ui/changeset.js';
import { color } from '../ui/colors.js';
import { log } from '../ui/log.js';
import { fieldLine } from './sync.js';
import { failureLines, outcomeMessage, rolloutProgress, summaryLines, workloadLabel, type RolloutProgress } from '../ui/progress.js';
import type { GitOpsEvent } from './events.js';
import type { ReleaseOutcome } from './release.js';

export type Format = 'table' | 'json' | 'yaml';

export interface Renderer {
  on(ev: GitOpsEvent): void;
  /** Ends live output before something else is printed. */
  stop(): void;
}

/** The stable machine form of one deployed revision. */
export interface ReleaseJSON {
  apiVersion: 'gdeploy.dev/v1alpha1';
  kind: 'Release';
  app: string;
  namespace: string;
  revision: string;
  sha: string;
  result: ReleaseOutcome['result'];
  /** The history number; absent when nothing new was recorded (dry run, already deployed). */
  number?: number;
  reason?: string;
  changeSet?: ChangeSetJSON;
  /** Objects that differed from the deployed commit at a pass between commits, and whether they were put back. */
  drift?: Array<{ subject: string; action: string; corrected: boolean; fields: DriftedField[] }>;
}

export function releaseJSON(o: ReleaseOutcome, app: string, namespace: string, record?: RevisionRecord): ReleaseJSON {
  const doc: ReleaseJSON = {
    apiVersion: 'gdeploy.dev/v1alpha1',
    kind: 'Release',
    app,
    namespace,
    revision: o.target.revision,
    sha: o.target.sha,
    result: o.result,
  };
  if (record) doc.number = record.number;
  if (o.reason) doc.reason = o.reason;
  if (o.drift) {
    const corrected = o.drift.corrected;
    doc.drift = o.drift.objects.map((d) => ({ subject: d.change.subject, action: d.change.action, corrected, fields: d.fields }));
  }
  if (o.deploy) {
    doc.changeSet = toJSON(o.deploy.changeSet, { app, namespace, dryRun: o.deploy.dryRun, errors: o.deploy.errors.map((e) => e.message) });
  }
  return doc;
}

export interface RendererOptions {
  app: string;
  namespace: string;
  format: Format;
  watching: boolean;
  /** Put before every line (`web: `), for output several apps share; it also turns off live progress. */
  prefix?: string;
}

export function gitopsRenderer(opts: RendererOptions): Renderer {
  const label = (ref: ObjectRef) => workloadLabel(ref, opts.namespace);
  const human = opts.format === 'table';
  const tag = (line: string) => (opts.prefix ? line.split('\n').map((l) => (l ? opts.prefix + l : l)).join('\n') : line);
  let progress: RolloutProgress | undefined;
  const stopProgress = () => {
    progress?.stop();
    progress = undefined;
  };
  const stamp = (line: string) => tag(opts.watching ? `${new Date().toISOString()} ${line}` : line);
  const notice = (line: string) => {
    stopProgress();
    log.info(stamp(line));
  };

  return {
    stop: stopProgress,
    on(ev) {
      switch (ev.type) {
        case 'lock-wait':
          notice(`waiting for the lock on ${opts.namespace}/${opts.app}, held by ${ev.holder.identity}${ev.holder.expires ? ` (lease valid until ${ev.holder.expires.toISOString()} unless renewed)` : ''}`);
          return;
        case 'lock-takeover':
          notice(color.warn(`took over the lock of ${ev.previous.identity}, which stopped renewing it${ev.previous.expires ? ` (expired ${ev.previous.expires.toISOString()})` : ''}`));
          return;
        case 'commit':
          notice(`deploying ${ev.revision} (${JSON.stringify(ev.commit.subject)} by ${ev.commit.author})`);
          return;
        case 'pinned':
          notice(
            color.warn(`pinned: ${opts.app} stays at ${ev.pin.revision} (rollback, revision ${ev.pin.number}); `) +
              `${ev.pin.branch} head ${ev.head.slice(0, 12)} is not deployed until a new commit lands on ${ev.pin.branch} or this sync runs with --unpin`,
          );
          return;
        case 'unpinned': {
          const why = ev.why === 'new-commit' ? `a new commit landed on ${ev.pin.branch}` : ev.why === 'unpin' ? '--unpin' : 'another revision was asked for';
          notice(`unpinned: ${why}; deploying ${ev.head.slice(0, 12)} (the app was pinned at ${ev.pin.sha.slice(0, 12)})`);
          return;
        }
        case 'drift':
          stopProgress();
          for (const d of ev.drift) {
            const what = ev.corrected ? `drift corrected: ${kubectlName(d.change.ref)} ${d.change.action} back to ${ev.revision}` : `drift: ${kubectlName(d.change.ref)} differs from ${ev.revision} (not put back: --drift report)`;
            log.info(stamp(what));
            for (const f of d.fields) log.info(stamp(`  ${fieldLine(f)}`));
          }
          return;
        case 'rollout':
          if (!human || opts.prefix) return;
          progress ??= rolloutProgress(label);
          progress.update(ev.status);
          return;
        case 'rolling-back':
          notice(color.warn(`rolling back to revision ${ev.to.number} (${ev.to.revision ?? ev.to.sha ?? `${ev.to.action} of ${ev.to.source ?? 'unknown source'}`})`));
          return;
        case 'up-to-date':
          log.debug(stamp(`up to date at ${ev.revision}`));
          return;
        case 'retry':
          notice(`${color.error('error:')} ${ev.error}; retrying in ${Math.round(ev.inMs / 100) / 10}s`);
          return;
        case 'released':
          stopProgress();
          released(ev.outcome, ev.record);
          return;
      }
    },
  };

  function released(o: ReleaseOutcome, record: RevisionRecord | undefined): void {
    // A watch says it once per revision, not on every pass.
    if (o.deploy && (!opts.watching || record !== undefined)) printWarnings(o.deploy.changeSet);
    if (!human) {
      const doc = releaseJSON(o, opts.app, opts.namespace, record);
      log.result(opts.format === 'json' ? JSON.stringify(doc, opts.watching ? undefined : null, opts.watching ? undefined : 2) : `---\n${yaml.dump(doc, { lineWidth: -1 }).trimEnd()}`);
      return;
    }
    // A pass that only corrected drift or found nothing to do said so already.
    if (o.drift) {
      if (record) log.result(stamp(`${color.success('drift corrected')} at ${o.target.revision} (revision ${record.number})`));
      return;
    }
    if (record === undefined && !o.deploy?.dryRun && o.result === 'succeeded') return;
    if (o.deploy) {
      for (const line of renderLines(o.deploy.changeSet, o.deploy.dryRun)) log.result(tag(line));
      if (o.deploy.changeSet.changes.length > 0 && !opts.watching) log.result((opts.prefix ? '' : '\n') + tag(renderSummary(o.deploy.changeSet)));
      const incomplete = renderIncomplete(o.deploy.changeSet, o.deploy.dryRun);
      if (incomplete) log.result(tag(incomplete));
    }
    if (o.rollout) {
      for (const line of summaryLines(o.rollout, label)) log.info(tag(line));
      const failed = o.rollout.workloads.find((w) => w.subject === o.rollout!.failed);
      if (failed) for (const line of failureLines(failed, label(failed.ref))) log.info(tag(line));
    }
    const number = record ? ` (revision ${record.number})` : '';
    if (o.result === 'succeeded') {
      const verb = o.deploy?.dryRun ? 'would deploy' : 'deployed';
      log.result(stamp(`${color.success(verb)} ${o.target.revision}${number}`));
      return;
    }
    const why = o.rollout && o.rollout.outcome !== 'done' ? outcomeMessage(o.rollout, label) : o.reason;
    log.error(stamp(`${o.target.revision}${number} ${o.result}: ${why ?? 'unknown reason'}`));
  }
}
