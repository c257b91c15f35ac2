/**
 * The script of each pthread of the threaded tfjs-wasm build in Node (see wasm-threads.ts): runs
 * the Emscripten worker script that tfjs ships (`wasm-out/...-threaded-simd.worker.js`, which
 * supports Node's `worker_threads`) and, when it asks for the main module by the `blob:` URL
 * tfjs gave it, loads the same module from its file. `workerData.wasmDir` is the folder of the
 * `@tensorflow/tfjs-backend-wasm` package that the main thread uses.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { wasmDir } = workerData as { wasmDir: string };
const { wasmWorkerContents } = require(
  join(wasmDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
) as { wasmWorkerContents: string };

// The script expects a CommonJS worker's globals, as a `blob:` script in Node would have them.
Object.assign(globalThis, { require, __filename: fileURLToPath(import.meta.url) });
// tfjs's text has its string escapes unescaped (a template literal); tfjs re-escapes them the
// same way before it makes the Blob. `globalThis.eval` is the indirect eval: global scope.
// biome-ignore lint/security/noGlobalEval: the script must run as a classic script at global scope, as in a browser worker
globalThis.eval(wasmWorkerContents.replace(/\n/g, '\\n'));

const globals = globalThis as unknown as {
  importScripts: (url: string) => void;
  WasmBackendModuleThreadedSimd?: unknown;
};
const importScripts = globals.importScripts;
globals.importScripts = (url) => {
  if (!String(url).startsWith('blob:')) return importScripts(url);
  globals.WasmBackendModuleThreadedSimd = require(
    join(wasmDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'),
  );
};
