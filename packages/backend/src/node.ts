/**
 * `@uqjs/backend/node`: the Node-only part of `@uqjs/backend`, `runInWorkers` (child
 * processes through `node:child_process`). The main entry imports no Node built-in, so it
 * bundles for the browser.
 *
 * @since 0.2.0
 */
export type { RunInWorkersOptions, TaskContext } from './run-in-workers.js';
export { runInWorkers, WorkerTaskError } from './run-in-workers.js';
