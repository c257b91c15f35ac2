/**
 * Several threads for one tfjs-wasm backend in Node: the threaded SIMD build of
 * `@tensorflow/tfjs-backend-wasm`, whose XNNPACK kernels (matrix products, convolutions, pooling,
 * element-wise ops) split their work over a pool of Emscripten pthreads, which Node runs as
 * `worker_threads`. tfjs 4.22 turns the build off in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is
 * `false` there, tensorflow/tfjs#3830) because of two things this module works around while the
 * backend initializes, and only then:
 *
 * - tfjs hands Emscripten each pthread's script as a `blob:` URL, which browsers run and
 *   `worker_threads.Worker` refuses: the workers start `wasm-thread-worker.js` instead, which runs
 *   the same script from the package's files;
 * - the C++ side caps the pool at half the logical cores that Emscripten reports (`os.cpus()` in
 *   Node), so 1 thread on a 2-core machine: the count is reported as at least `2 * threads` while
 *   the module starts, so the pool gets the `threads` asked for (at most 8, the pthreads tfjs
 *   starts).
 *
 * Results equal the single-threaded ones up to float32 rounding: XNNPACK splits the output, not the
 * reduction, of its products (tested in test/wasm-threads.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@uqjs/core';

/** The most threads: the pthreads tfjs-backend-wasm 4.22 starts (`PTHREAD_POOL_SIZE`). */
export const MAX_WASM_THREADS = 8;

/** The parts of `@tensorflow/tfjs-backend-wasm` used here. */
interface WasmBackendModule {
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

type WorkerClass = new (url: string | URL, options?: { workerData?: unknown }) => object;

/** Whether the wasm backend has started (its thread count is fixed from then on). */
function wasmStarted(): boolean {
  // The engine's registry of started backends; `tf.findBackend` would start it.
  return (
    (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm !== undefined
  );
}

/**
 * Checks that `threads` (asked for by `argument`: `opts.threads` or `UQJS_WASM_THREADS`) can be
 * had: the wasm backend has not started yet, or runs with as many threads.
 *
 * @throws {BackendError} when the wasm backend already runs with another thread count.
 */
export async function checkWasmThreads(threads: number, argument: string): Promise<void> {
  if (!wasmStarted()) return;
  const running = await runningWasmThreads();
  if (running === threads) return;
  throw new BackendError(
    `resolveBackend: ${argument} is ${threads}, but the wasm backend already runs with ${running} ` +
      `thread(s): its thread count is fixed when it first starts, so call resolveBackend({ threads }) ` +
      `before anything sets the wasm backend (tf.setBackend('wasm'), tf.ready())`,
  );
}

/**
 * Runs `activate` (which starts the wasm backend) with the threaded build enabled for `threads`
 * threads, then checks that the pool has them; a backend already started (with as many threads:
 * {@link checkWasmThreads}) is only activated.
 *
 * @throws {BackendError} when the pool did not get `threads` threads.
 */
export async function withWasmThreads(
  threads: number,
  activate: () => Promise<boolean>,
): Promise<boolean> {
  if (wasmStarted()) return activate();
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmBackendModule;
  wasm.setThreadsCount(threads);
  // In a browser tfjs decides itself (cross-origin isolation); in Node it says no.
  if (isNode()) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  const restore = threads > 1 && isNode() ? await patchNodeForPthreads(threads) : () => {};
  let ok: boolean;
  try {
    ok = await activate();
  } finally {
    restore();
  }
  if (ok && wasm.getThreadsCount() !== threads) {
    throw new BackendError(
      `resolveBackend: asked for ${threads} wasm threads, the backend started ${wasm.getThreadsCount()}`,
    );
  }
  return ok;
}

/** The threads of the initialized wasm backend's pool. */
export async function runningWasmThreads(): Promise<number> {
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmBackendModule;
  return wasm.getThreadsCount();
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Points the pthreads' `blob:` scripts at `wasm-thread-worker.js` and reports at least
 * `2 * threads` cores; returns the function that undoes both and lets the process exit while the
 * pool's threads wait for work. The Node modules are imported here,
 * through variables, so that browser bundles of this package never see them.
 */
async function patchNodeForPthreads(threads: number): Promise<() => void> {
  const [moduleName, pathName, urlName] = ['node:module', 'node:path', 'node:url'];
  const { createRequire } = (await import(moduleName)) as typeof import('node:module');
  const { dirname } = (await import(pathName)) as typeof import('node:path');
  const { fileURLToPath } = (await import(urlName)) as typeof import('node:url');
  const require = createRequire(import.meta.url);
  // The CommonJS objects, which Emscripten's `require("worker_threads")` and `require("os")` get.
  const workerThreads = require('node:worker_threads') as { Worker: WorkerClass };
  const os = require('node:os') as { cpus: () => unknown[] };
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const script = fileURLToPath(new URL('./wasm-thread-worker.js', import.meta.url));

  const NodeWorker = workerThreads.Worker;
  const pthreads: { unref(): void }[] = [];
  workerThreads.Worker = class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: { workerData?: unknown }) {
      const fromTfjs = String(url).startsWith('blob:');
      super(fromTfjs ? script : url, fromTfjs ? { ...options, workerData: { wasmDir } } : options);
      if (fromTfjs) pthreads.push(this as unknown as { unref(): void });
    }
  };
  const cpus = os.cpus;
  os.cpus = () => {
    const real = cpus();
    return real.length >= 2 * threads
      ? real
      : Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
  };
  return () => {
    workerThreads.Worker = NodeWorker;
    os.cpus = cpus;
    // Emscripten holds a reference on each pthread that runs, and the pool's threads never end:
    // without this the process would not exit when its work is done.
    for (const worker of pthreads) worker.unref();
  };
}
