import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { buildSync } from 'esbuild';
import type * as Metrics from '../src/index.js';

/**
 * Runs metrics calls under a wall-clock limit, so that a test of a call that used to loop
 * forever fails instead of hanging the test run (vitest cannot interrupt a synchronous loop).
 * The package source is bundled once with esbuild into a `node:vm` context; `vm` interrupts
 * a script that runs past its `timeout`. Tensors cross between the contexts unchanged (tfjs
 * comes from this realm through `require`). Errors thrown inside are the context's classes:
 * test them with {@link isUqjsError}, not `instanceof`.
 */

const packageDir = fileURLToPath(new URL('..', import.meta.url));

type Exports = typeof Metrics & { UqjsError: new (...args: never[]) => Error };

function load(): { exports: Exports; context: vm.Context } {
  const { outputFiles } = buildSync({
    stdin: {
      contents: "export * from './src/index.ts';\nexport { UqjsError } from '@uqjs/core';\n",
      resolveDir: packageDir,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    external: ['@tensorflow/*'],
  });
  const module = { exports: {} as Exports };
  const context = vm.createContext({
    module,
    exports: module.exports,
    require: createRequire(import.meta.url),
  });
  vm.runInContext(outputFiles[0]!.text, context, { timeout: 60_000 });
  return { exports: module.exports, context };
}

const loaded = load();

/** The package as bundled into the limited context. */
export const limited: Exports = loaded.exports;

/** True for an error that is a `UqjsError` of the limited context. */
export function isUqjsError(error: unknown): boolean {
  return error instanceof limited.UqjsError;
}

/**
 * Calls `f` (which should call functions of {@link limited}) and returns its result, or
 * throws `Error('timed out after <ms> ms')` when it runs past `ms`.
 */
export function withTimeLimit<T>(f: () => T, ms = 10_000): T {
  loaded.context.__call = f;
  try {
    return vm.runInContext('__call()', loaded.context, { timeout: ms }) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new Error(`timed out after ${ms} ms`);
    }
    throw error;
  }
}
