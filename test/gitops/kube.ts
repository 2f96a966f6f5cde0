// One sandbox without workloads per test file, and a client connected to it
// in this process: for tests of the lock and the history, which need an API
// server but no Pods.
import { after, before } from 'node:test';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { connect } from '../../src/kube/connect.js';
import type { Kube } from '../../src/kube/types.js';

export function apiServer(): { readonly kube: Kube } {
  let sb: Sandbox | undefined;
  let kube: Kube | undefined;
  before(async () => {
    sb = await startSandbox({ workloads: false });
    kube = await connect({ kubeconfig: sb.kubeconfigPath });
  });
  after(async () => {
    kube?.close();
    await sb?.stop();
  });
  return {
    get kube() {
      if (!kube) throw new Error('the API server starts in before()');
      return kube;
    },
  };
}
