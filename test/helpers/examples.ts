// The tutorial's manifests as the project ships them in examples/, so tests use
// exactly what a reader of the README applies.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const read = (name: string) => readFileSync(fileURLToPath(new URL(`../../examples/hello-world-flask/${name}`, import.meta.url)), 'utf8');

export const TUTORIAL_DEPLOYMENT = read('deployment.yaml');
export const TUTORIAL_SERVICE = read('service.yaml');
