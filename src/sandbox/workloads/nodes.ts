// The simulated nodes: Ready Node objects shaped like a kind cluster's workers.
import type { KubeObject } from '../types.js';
import { nowIso } from './objects.js';
import type { Runtime } from './runtime.js';

export const KUBELET_VERSION = 'v1.32.2';

export function nodeName(i: number): string {
  return `sandbox-node-${i + 1}`;
}

/** The node's InternalIP, which Pods report as hostIP. */
export function nodeIP(i: number): string {
  return `172.18.0.${i + 2}`;
}

export function nodeIndex(name: string): number {
  const m = /^sandbox-node-(\d+)$/.exec(name);
  return m ? Number(m[1]) - 1 : 0;
}

function nodeObject(i: number): KubeObject {
  const name = nodeName(i);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: `10.244.${i}.0/24`, podCIDRs: [`10.244.${i}.0/24`], providerID: `sandbox://${name}` },
  };
}

function nodeStatus(i: number): Record<string, unknown> {
  const now = nowIso();
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message,
  });
  const capacity = { cpu: '4', 'ephemeral-storage': '102626232Ki', memory: '8148144Ki', pods: '110' };
  return {
    capacity,
    allocatable: capacity,
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: nodeIP(i) },
      { type: 'Hostname', address: nodeName(i) },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: `sandbox${i + 1}`,
      systemUUID: `sandbox-${i + 1}`,
      bootID: `sandbox-boot-${i + 1}`,
      kernelVersion: '6.8.0',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'containerd://1.7.24',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** Registers the nodes that are missing, as kubelets do when they start. */
export function ensureNodes(rt: Runtime): void {
  const res = rt.res('', 'Node');
  for (let i = 0; i < rt.opts.nodes; i++) {
    if (rt.store.get(res, undefined, nodeName(i))) continue;
    const created = rt.store.create(res, nodeObject(i), { fieldManager: 'kubelet' });
    rt.store.update(res, { ...created, status: nodeStatus(i) }, { fieldManager: 'kubelet', subresource: 'status' });
  }
}

export function isNodeReady(node: KubeObject): boolean {
  const conds = (node.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  const unschedulable = (node.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true;
  return !unschedulable && conds.some((c) => c.type === 'Ready' && c.status === 'True');
}
