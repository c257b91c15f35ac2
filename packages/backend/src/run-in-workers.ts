import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  checkBoolean,
  checkOptionsObject,
  checkPositiveInteger,
  InvalidArgumentError,
  UqjsError,
} from '@uqjs/core';
import type { ChildMessage, ParentMessage } from './worker-protocol.js';

/**
 * Options of {@link runInWorkers}.
 *
 * @since 0.1.0
 */
export interface RunInWorkersOptions<TResult, TProgress = unknown> {
  /**
   * The task module: a file path (absolute, or relative to `process.cwd()`) or a `file:` URL,
   * e.g. `new URL('./train-cell.js', import.meta.url)`. Its default export is
   * `async (task, context) => result` ({@link TaskContext}: `context.progress(value)`).
   */
  readonly module: string | URL;
  /** Number of worker processes. Default: `os.availableParallelism()`, capped at `tasks.length`. */
  readonly workers?: number;
  /**
   * Called in the parent as each result arrives (in completion order), with its task index.
   * If it throws, the call rejects with that error and the workers are stopped.
   */
  readonly onResult?: (result: TResult, index: number) => void;
  /**
   * Called in the parent with each value a task passes to `context.progress` (its second
   * argument), with its task index, in the order the worker sent them and always before that
   * task's `onResult`. The values travel over the worker's IPC channel, so they must be plain
   * data. If it throws, the call rejects with that error and the workers are stopped.
   */
  readonly onProgress?: (progress: TProgress, index: number) => void;
  /** Extra environment for the workers, over `process.env`, e.g. `{ UQJS_BACKEND: 'wasm' }`. */
  readonly env?: Record<string, string>;
  /**
   * Whether each worker prints its `[uqjs] backend: ...` line to stderr when it starts. Default
   * `true`; `false` keeps stderr clean (e.g. under a progress bar) when the parent already
   * reported the backend.
   */
  readonly logBackend?: boolean;
}

/**
 * The second argument of a task function: `progress(value)` sends `value` to the parent's
 * `onProgress` (over the worker's IPC channel, without waiting). Cheap enough for a few
 * messages a second; throttle anything faster.
 *
 * @since 0.1.0
 */
export interface TaskContext<TProgress> {
  readonly progress: (progress: TProgress) => void;
}

/**
 * A task failed in a worker (it threw, or its worker died); `runInWorkers` rejects with it.
 *
 * @since 0.1.0
 */
export class WorkerTaskError extends UqjsError {
  override name = 'WorkerTaskError';
  /** Index of the failed task in `tasks`; `undefined` when a worker failed before any task. */
  readonly taskIndex: number | undefined;
  /** The stack trace from the worker, when it sent one. */
  readonly workerStack: string | undefined;

  constructor(message: string, taskIndex?: number, workerStack?: string) {
    super(message);
    this.taskIndex = taskIndex;
    this.workerStack = workerStack;
  }
}

const FN = 'runInWorkers';
const RUNNER = fileURLToPath(new URL('./worker-runner.js', import.meta.url));

/** The task module as a `file:` URL string, checked to exist. */
function moduleUrl(module: unknown): string {
  let url: URL | undefined;
  if (module instanceof URL) url = module;
  else if (typeof module === 'string' && module.length > 0) {
    url = module.startsWith('file:') ? new URL(module) : pathToFileURL(resolve(module));
  }
  if (url === undefined || url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'opts.module',
      expected: 'an existing module file (a path or a file: URL)',
      given: module instanceof URL ? module.href : module,
    });
  }
  return url.href;
}

function checkEnv(env: unknown): Record<string, string> {
  if (env === undefined) return {};
  const entries = typeof env === 'object' && env !== null ? Object.entries(env) : undefined;
  if (entries === undefined || entries.some(([, value]) => typeof value !== 'string')) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'opts.env',
      expected: 'an object of string values',
      given: env,
    });
  }
  return env as Record<string, string>;
}

/** Resolves when `child` has exited (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

/**
 * Runs independent tasks in parallel child processes and returns their results in task
 * order. Node runs tfjs-wasm on one thread, so this is how a second core trains a second model.
 *
 * Each worker is a `child_process.fork` of this package's `worker-runner.js`: it calls
 * {@link resolveBackend} (so `UQJS_BACKEND`, from `opts.env` or the parent's environment,
 * decides its backend; `wasm` gets the fast training kernels), imports `opts.module` once,
 * and runs tasks one at a time as the parent hands them out (the next task goes to whichever
 * worker is free). Tasks and results cross the process boundary by structured clone, so they
 * must be plain data (JSON-serializable values; typed arrays also pass). Workers start with
 * no Node flags of the parent; their stdout/stderr are the parent's.
 *
 * The first task that throws rejects the call with a {@link WorkerTaskError} naming its index
 * and the worker's message; the other workers are stopped. Every worker has exited by the
 * time the returned promise settles.
 *
 * @example
 * ```ts
 * import { runInWorkers } from '@uqjs/backend';
 * // train-cell.js: export default async ({ seed }) => ({ seed, accuracy: await train(seed) });
 * const results = await runInWorkers([{ seed: 1 }, { seed: 2 }], {
 *   module: new URL('./train-cell.js', import.meta.url),
 *   workers: 2,
 *   env: { UQJS_BACKEND: 'wasm' },
 * });
 * // Progress over the same IPC channel: the task calls context.progress(value).
 * // count-task.js: export default async (n, context) => { for (let i = 1; i <= n; i++) context.progress(i); return n; };
 * await runInWorkers([3, 2], {
 *   module: new URL('./count-task.js', import.meta.url),
 *   onProgress: (step, index) => console.log(`task ${index}: step ${step}`),
 * });
 * ```
 * @throws {InvalidArgumentError} for a missing module, bad `workers`, `env`, `onResult` or
 *   `onProgress`.
 * @throws {WorkerTaskError} when a task throws or a worker dies.
 * @since 0.1.0
 */
export async function runInWorkers<TTask, TResult, TProgress = unknown>(
  tasks: readonly TTask[],
  opts: RunInWorkersOptions<TResult, TProgress>,
): Promise<TResult[]> {
  if (!Array.isArray(tasks)) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'tasks',
      expected: 'an array',
      given: tasks,
    });
  }
  // Left out, the options read as {} and the error names the missing opts.module.
  const options = checkOptionsObject(opts, 'opts', FN, 'an object with a module');
  const module = moduleUrl(options.module);
  const workers =
    options.workers === undefined
      ? availableParallelism()
      : checkPositiveInteger(options.workers, 'opts.workers', FN);
  const env = { ...process.env, ...checkEnv(options.env) };
  const logBackend =
    options.logBackend === undefined
      ? true
      : checkBoolean(options.logBackend, 'opts.logBackend', FN);
  for (const name of ['onResult', 'onProgress'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new InvalidArgumentError({
        fn: FN,
        argument: `opts.${name}`,
        expected: 'a function (value, index) => void',
        given: options[name],
      });
    }
  }
  if (tasks.length === 0) return [];

  const results = new Array<TResult>(tasks.length);
  const children: ChildProcess[] = [];
  let nextTask = 0;
  let completed = 0;

  const outcome = new Promise<void>((succeed, fail) => {
    for (let w = 0; w < Math.min(workers, tasks.length); w++) {
      const child = fork(RUNNER, [], { env, execArgv: [], serialization: 'advanced' });
      children.push(child);
      let current: number | undefined; // the task this worker is running
      let finished = false; // no task left for it: it was told to exit
      const dispatch = (): void => {
        if (nextTask < tasks.length) {
          current = nextTask++;
          child.send({
            type: 'task',
            index: current,
            task: tasks[current],
          } satisfies ParentMessage);
        } else {
          current = undefined;
          finished = true;
          child.disconnect();
        }
      };
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') return;
        if (message.type === 'progress') {
          try {
            options.onProgress?.(message.progress as TProgress, message.index);
          } catch (error) {
            fail(error);
          }
          return;
        }
        if (message.type === 'fatal') {
          fail(
            new WorkerTaskError(`${FN}: worker ${child.pid} could not start: ${message.message}`),
          );
          return;
        }
        if (message.type === 'error') {
          const { index, stack } = message;
          const text = `${FN}: task ${index} failed in worker ${child.pid}: ${message.message}`;
          fail(new WorkerTaskError(text, index, stack));
          return;
        }
        results[message.index] = message.result as TResult;
        completed++;
        current = undefined;
        try {
          options.onResult?.(message.result as TResult, message.index);
        } catch (error) {
          fail(error);
          return;
        }
        if (completed === tasks.length) succeed();
        dispatch();
      });
      child.on('error', (error) =>
        fail(new WorkerTaskError(`${FN}: worker failed: ${error.message}`)),
      );
      child.on('exit', (code, signal) => {
        if (finished) return;
        const during = current === undefined ? '' : ` while running task ${current}`;
        const how = signal ?? `code ${code}`;
        fail(new WorkerTaskError(`${FN}: worker ${child.pid} exited (${how})${during}`, current));
      });
      child.send({ type: 'init', module, logBackend } satisfies ParentMessage);
      dispatch();
    }
  });

  try {
    await outcome;
    return results;
  } finally {
    for (const child of children) {
      if (child.connected) child.disconnect();
      if (child.exitCode === null && child.signalCode === null) child.kill();
    }
    await Promise.all(children.map(exited));
  }
}
