// How a grid's runs share this machine's cores: worker processes (`runInWorkers`, one run each at
// a time) and, on wasm, threads per process (`resolveBackend({ threads })`, the threaded XNNPACK
// build). Processes scale best, as runs are independent: the cores go to processes first, and the
// cores left over (fewer runs than cores) to threads, as many per process as fit.
import { availableParallelism } from 'node:os';

/** The most threads one wasm backend takes (tfjs-backend-wasm's pthread pool). */
const MAX_THREADS = 8;

/**
 * The wasm threads per process before the backend is chosen (it must be passed to
 * `resolveBackend`, which applies it only to wasm): `--threads`, else the cores left to each of
 * the processes `runs` runs will get (`--workers`, else one per core up to `runs`), from 1 to 8.
 *
 * @since 0.1.0
 */
export function planThreads(
  runs: number,
  flags: { readonly workers: number | null; readonly threads: number | null },
  cores: number = availableParallelism(),
): number {
  if (flags.threads !== null) return flags.threads;
  const processes = Math.max(1, Math.min(flags.workers ?? cores, runs, cores));
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(cores / processes)));
}

/**
 * Worker processes for `runs` runs once the backend is known: `--workers`, else 1 on a GPU
 * backend (tensorflow, webgpu: the GPU is shared) and one per core otherwise, at most `runs`.
 *
 * @since 0.1.0
 */
export function planWorkers(
  runs: number,
  backend: string,
  workers: number | null,
  cores: number = availableParallelism(),
): number {
  const gpu = backend === 'tensorflow' || backend === 'webgpu';
  return Math.max(1, Math.min(workers ?? (gpu ? 1 : cores), runs));
}

/**
 * `2 workers` / `1 worker × 2 threads`: how the runs train, for the grid line.
 *
 * @since 0.1.0
 */
export function describeParallelism(workers: number, threads: number, backend: string): string {
  const processes = `${workers} worker${workers === 1 ? '' : 's'}`;
  return backend === 'wasm' && threads > 1 ? `${processes} × ${threads} threads` : processes;
}
