export type { FastWasmTraining } from './fast-wasm-training.js';
export { enableFastWasmTraining } from './fast-wasm-training.js';
export type { BackendName, ResolveBackendOptions, ResolvedBackend } from './resolve-backend.js';
export { BACKEND_NAMES, resolveBackend } from './resolve-backend.js';
export type { RunInWorkersOptions } from './run-in-workers.js';
export { runInWorkers, WorkerTaskError } from './run-in-workers.js';
