// Bundles the CLI into dist/. Each command is a dynamic import, so esbuild's
// code splitting keeps `gdeploy --help` from loading the Kubernetes client.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const version = pkg('../package.json').version;
const clientNode = pkg('../node_modules/@kubernetes/client-node/package.json').version;
// @kubernetes/client-node 1.4.x is generated from the Kubernetes 1.34 API.
const kubernetesApi = 'v1.34';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The start-up path (commander, chalk) is bundled in: resolving those packages'
  // files at run time costs more than parsing them. So are yaml, the editor of
  // manifests in git, loaded only by the commands that edit them (its seventy-odd
  // CommonJS files take twice as long to load one by one), and simple-git with its
  // few dependencies, loaded only by the commands that read git. Everything else stays external.
  external: Object.keys(pkg('../package.json').dependencies).filter((d) => !['commander', 'chalk', 'yaml', 'simple-git'].includes(d)),
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS (commander) calls require() for Node built-ins.
  banner: { js: "import { createRequire as __gdeployCreateRequire } from 'node:module'; const require = __gdeployCreateRequire(import.meta.url);" },
  define: {
    __GDEPLOY_VERSION__: JSON.stringify(version),
    __CLIENT_NODE_VERSION__: JSON.stringify(clientNode),
    __KUBERNETES_API_VERSION__: JSON.stringify(kubernetesApi),
  },
  chunkNames: 'chunks/[name]-[hash]',
});
