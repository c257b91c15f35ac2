// The pieces of a bench run that the classifier command (`run-grid.ts`) and the segmentation
// command (`segmentation/run.ts`) share: choosing the backend with its threads, refusing an
// output directory that holds a run, locking it, asking before a large grid, and training the
// runs in this process or in worker processes.
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ResolvedBackend, resolveBackend } from '@uqjs/backend';
import { runInWorkers, type TaskContext } from '@uqjs/backend/node';
import { InvalidArgumentError } from '@uqjs/core';
import { CONFIRM_ABOVE_RUNS } from './args.js';
import type { BenchBackend } from './config.js';
import { type DirectoryLock, lockDirectory } from './lock.js';
import { planThreads } from './parallelism.js';
import type { BenchIo } from './run-grid.js';

/**
 * The backend of a run of `runs` cells, and the wasm threads per process it was given
 * (`--threads`, else the cores the worker processes leave; see {@link planThreads}).
 *
 * @since 0.1.0
 */
export async function resolveRunBackend(
  runs: number,
  execution: {
    readonly backend: BenchBackend | null;
    readonly workers: number | null;
    readonly threads: number | null;
  },
): Promise<{ readonly backend: ResolvedBackend; readonly threads: number }> {
  const threads = planThreads(runs, execution);
  const backend = await resolveBackend({
    ...(execution.backend !== null ? { prefer: execution.backend } : {}),
    threads,
    log: false,
  });
  return { backend, threads };
}

/**
 * Whether `out` holds a run (a `config.json`) that `--resume` continues; throws when it holds
 * one and `resume` is off, so a run never writes over another.
 *
 * @since 0.1.0
 */
export function holdsRun(out: string, resume: boolean): boolean {
  if (!existsSync(join(out, 'config.json'))) return false;
  if (!resume) {
    throw new InvalidArgumentError({
      fn: 'uqjs-bench',
      argument: '--out',
      expected: 'a new directory (or add --resume to continue the run in it)',
      given: out,
    });
  }
  return true;
}

/**
 * The lock of a run's output directory (`<out>/.lock`, see {@link lockDirectory}): one writer
 * per directory, as a second process would train the same cells again. An existing directory is
 * locked before its runs are read ({@link OutputLock.lockExisting}); a new one is made and
 * locked only once the run is sure to start ({@link OutputLock.lockForWriting}).
 * {@link OutputLock.release} frees it and removes a directory this run made and left empty (it
 * stopped before writing).
 *
 * @since 0.1.0
 */
export class OutputLock {
  private lock: DirectoryLock | null = null;
  private created = false;

  constructor(
    private readonly out: string,
    private readonly command: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** Locks the directory if it exists. */
  lockExisting(): void {
    if (this.lock === null && existsSync(this.out)) {
      this.lock = lockDirectory(this.out, this.command, this.warn);
    }
  }

  /**
   * Makes the directory if needed and locks it (unless it is locked already); throws when
   * another process wrote a run's `config.json` into it since it was checked.
   */
  lockForWriting(): void {
    if (this.lock !== null) return;
    if (!existsSync(this.out)) {
      mkdirSync(this.out, { recursive: true });
      this.created = true;
    }
    this.lock = lockDirectory(this.out, this.command, this.warn);
    if (existsSync(join(this.out, 'config.json'))) {
      throw new InvalidArgumentError({
        fn: 'uqjs-bench',
        argument: '--out',
        expected: 'a new directory (another uqjs-bench process started a run in it just now)',
        given: this.out,
      });
    }
  }

  /** Frees the lock; removes the directory when this run made it and it is empty. */
  release(): void {
    this.lock?.release();
    this.lock = null;
    if (this.created && readdirSync(this.out).length === 0) rmdirSync(this.out);
  }
}

/**
 * Asks `question` on a terminal (`io.confirm`) when more than {@link CONFIRM_ABOVE_RUNS} runs
 * are to train, and throws when the answer is no; `hint` says how to skip the question.
 *
 * @since 0.1.0
 */
export async function confirmRuns(
  io: BenchIo,
  runs: number,
  question: string,
  hint: string,
): Promise<void> {
  if (runs <= CONFIRM_ABOVE_RUNS || io.confirm === undefined) return;
  if (await io.confirm(question)) return;
  throw new InvalidArgumentError({
    fn: 'uqjs-bench',
    argument: 'confirmation',
    expected: `yes to train ${runs} runs (${hint})`,
    given: 'no',
  });
}

/**
 * How {@link trainTasks} trains: `parallel` worker processes running the default export of
 * `module` (1: `run` in this process, in task order), on `backend` with `threads` wasm threads
 * each; `onResult` and `onProgress` get each task's index.
 *
 * @since 0.1.0
 */
export interface TrainTasksOptions<T, R, P> {
  readonly parallel: number;
  readonly backend: string;
  readonly threads: number;
  readonly module: URL;
  readonly run: (task: T, context: TaskContext<P>) => Promise<R>;
  readonly onResult: (result: R, index: number) => void;
  readonly onProgress: (progress: P, index: number) => void;
}

/**
 * Trains `tasks`, in this process one after the other or in worker processes
 * (`runInWorkers`, which reports each result as it arrives, in any order).
 *
 * @since 0.1.0
 */
export async function trainTasks<T, R, P>(
  tasks: readonly T[],
  opts: TrainTasksOptions<T, R, P>,
): Promise<void> {
  if (opts.parallel === 1) {
    for (const [index, task] of tasks.entries()) {
      const context = { progress: (update: P) => opts.onProgress(update, index) };
      opts.onResult(await opts.run(task, context), index);
    }
    return;
  }
  await runInWorkers<T, R, P>([...tasks], {
    module: opts.module,
    workers: opts.parallel,
    env: { UQJS_BACKEND: opts.backend, UQJS_WASM_THREADS: String(opts.threads) },
    logBackend: false, // reported once by the command; a line per worker would break its output
    onResult: opts.onResult,
    onProgress: opts.onProgress,
  });
}
