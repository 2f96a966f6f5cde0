// kubectl against an in-process sandbox, for tests of what kubectl sees: one
// sandbox per test file, its own kubeconfig and kubectl cache, removed after.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from './cli.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';

export const KUBECTL = '/usr/bin/kubectl';
/** A test's `skip` option: false, or why kubectl tests cannot run here. */
export const SKIP_WITHOUT_KUBECTL: string | false = existsSync(KUBECTL) ? false : `kubectl not found at ${KUBECTL}`;

export interface KubectlSandbox {
  /** The running sandbox (set once the file's `before` hook has run). */
  readonly sandbox: Sandbox;
  /** Runs kubectl against the sandbox; `input` goes to its stdin. */
  kubectl(args: string[], input?: string): Promise<RunResult>;
  /** kubectl's argv prefix for this sandbox, for tests that spawn kubectl themselves. */
  kubectlArgs(): string[];
  /** Runs kubectl, asserts it succeeded and returns its stdout. */
  ok(args: string[], input?: string): Promise<string>;
  /** `kubectl get ARGS -o json`, parsed. */
  getJson(...args: string[]): Promise<any>;
  /** Applies a CRD manifest (see `crdManifest`) with kubectl and waits until it is Established. */
  applyCrd(manifest: string): Promise<void>;
}

/**
 * Registers before/after hooks that start and stop one sandbox for the calling
 * test file; `seed` fills it before the first test (a file's own `before`
 * hooks run concurrently with this one, so they cannot).
 */
export function useKubectlSandbox(
  opts: { sandbox?: SandboxOptions; seed?: (sb: Sandbox) => void | Promise<void> } = {},
): KubectlSandbox {
  let sb: Sandbox | undefined;
  let dir: string | undefined;
  before(async () => {
    if (SKIP_WITHOUT_KUBECTL) return;
    dir = mkdtempSync(join(tmpdir(), 'gdeploy-kubectl-'));
    sb = await startSandbox({ workloads: false, ...opts.sandbox, kubeconfigPath: join(dir, 'kubeconfig') });
    await opts.seed?.(sb);
  });
  after(async () => {
    await sb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const kubectlArgs = (): string[] => ['--kubeconfig', sb!.kubeconfigPath, '--cache-dir', join(dir!, 'cache')];
  const kubectl = (args: string[], input?: string): Promise<RunResult> =>
    run(KUBECTL, [...kubectlArgs(), ...args], { timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    get sandbox() {
      return sb!;
    },
    kubectlArgs,
    kubectl,
    ok,
    async getJson(...args) {
      return JSON.parse(await ok(['get', ...args, '-o', 'json']));
    },
    async applyCrd(manifest) {
      const applied = await kubectl(['apply', '-f', '-'], manifest);
      assert.equal(applied.code, 0, applied.stderr);
      const name = (JSON.parse(manifest) as { metadata: { name: string } }).metadata.name;
      const established = await kubectl(['wait', '--for=condition=Established', `crd/${name}`, '--timeout=30s']);
      assert.equal(established.code, 0, established.stderr);
    },
  };
}

/** A namespaced CRD with one served version `v1`, its schema and printer columns. */
export function crdManifest(opts: {
  group: string;
  kind: string;
  plural: string;
  specProperties: Record<string, unknown>;
  printerColumns?: { name: string; type: string; jsonPath: string }[];
}): string {
  const version: Record<string, unknown> = {
    name: 'v1',
    served: true,
    storage: true,
    schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: opts.specProperties } } } },
    ...(opts.printerColumns ? { additionalPrinterColumns: opts.printerColumns } : {}),
  };
  return JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${opts.plural}.${opts.group}` },
    spec: {
      group: opts.group,
      names: { kind: opts.kind, plural: opts.plural, singular: opts.kind.toLowerCase(), listKind: `${opts.kind}List` },
      scope: 'Namespaced',
      versions: [version],
    },
  });
}
