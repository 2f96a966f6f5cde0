// The one adapter over the Kubernetes API. Import it only from code a command
// runs (dynamic import): it loads @kubernetes/client-node.
export { connect } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { KubeError, isNotFound, isConflict, isAlreadyExists, isInvalid, isForbidden, isGone } from './errors.js';
export type { Status, StatusCause } from './errors.js';
export { subjectOf } from './refs.js';
export type * from './types.js';
