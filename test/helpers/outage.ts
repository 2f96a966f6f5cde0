// An API server outage for tests: the sandbox's server leaves its port (new
// connections are refused, open ones are cut, as when kube-apiserver restarts)
// and comes back on the same port with every object kept.
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/sandbox/index.js';
import { ApiServer } from '../../src/sandbox/server.js';

export interface Outage {
  down(): Promise<void>;
  up(): Promise<void>;
}

export function outage(sb: Sandbox): Outage {
  const server = sb.server;
  assert.ok(server instanceof ApiServer, 'the sandbox serves through an ApiServer');
  const port = Number(new URL(sb.url).port);
  return {
    down: () => server.close(),
    up: async () => {
      await server.listen(port);
    },
  };
}
