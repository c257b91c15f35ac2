export type { BackendName, ResolveBackendOptions, ResolvedBackend } from './resolve-backend.js';
export { BACKEND_NAMES, resolveBackend } from './resolve-backend.js';
