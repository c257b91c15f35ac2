import type * as Crypto from 'node:crypto';
import type * as Fs from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import type * as Module from 'node:module';
import type * as Os from 'node:os';
import type * as Path from 'node:path';
import type * as Stream from 'node:stream';
import type * as StreamPromises from 'node:stream/promises';
import type * as Zlib from 'node:zlib';
import { UqjsError } from '@uqjs/core';
import type * as Tar from 'tar';

/**
 * The Node.js modules of the file loaders, imported when a loader runs, never when the package
 * is imported.
 *
 * No module of `@uqjs/datasets` imports a `node:` module or `tar` at its top (the `import type`
 * lines above are erased by the compiler), so the package loads in a browser: the toy sets,
 * label noise, splits, scaling and `ImageDataset` need none of them. `loadMnist`, `loadCifar10`,
 * `loadSvhn` and `dataDir` get them from here. The specifiers reach `import()` through a
 * variable so that browser bundlers neither resolve nor bundle them: a literal
 * `import('node:fs/promises')` still makes Vite warn that it externalized the module, and a
 * literal `import('tar')` would pull `tar`, which needs Node, into the page.
 */

/** The built-in modules the loaders use. */
export interface NodeModules {
  readonly crypto: typeof Crypto;
  readonly fs: typeof Fs;
  readonly fsPromises: typeof FsPromises;
  readonly module: typeof Module;
  readonly os: typeof Os;
  readonly path: typeof Path;
  readonly stream: typeof Stream;
  readonly streamPromises: typeof StreamPromises;
  readonly zlib: typeof Zlib;
}

/** Imports the built-in modules (cheap after the first call: `import()` caches modules). */
export async function nodeModules(fn: string): Promise<NodeModules> {
  const [crypto, fs, fsPromises, module, os, path, stream, streamPromises, zlib] =
    await Promise.all([
      importFor<typeof Crypto>('node:crypto', fn),
      importFor<typeof Fs>('node:fs', fn),
      importFor<typeof FsPromises>('node:fs/promises', fn),
      importFor<typeof Module>('node:module', fn),
      importFor<typeof Os>('node:os', fn),
      importFor<typeof Path>('node:path', fn),
      importFor<typeof Stream>('node:stream', fn),
      importFor<typeof StreamPromises>('node:stream/promises', fn),
      importFor<typeof Zlib>('node:zlib', fn),
    ]);
  return { crypto, fs, fsPromises, module, os, path, stream, streamPromises, zlib };
}

/** Imports the `tar` package (only `loadCifar10` needs it, to extract the downloaded archive). */
export function importTar(fn: string): Promise<typeof Tar> {
  return importFor<typeof Tar>('tar', fn);
}

/**
 * `os` and `path` synchronously, for `dataDir()`, which returns a string and cannot await:
 * `process.getBuiltinModule` (Node.js 20.16 and later).
 */
export function osAndPathSync(fn: string): Pick<NodeModules, 'os' | 'path'> {
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') {
    throw new UqjsError(
      `${fn}: runs in Node.js only, version 20.16 or later (it needs process.getBuiltinModule)`,
    );
  }
  return { os: process.getBuiltinModule('node:os'), path: process.getBuiltinModule('node:path') };
}

async function importFor<T>(specifier: string, fn: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T;
  } catch (error) {
    throw new UqjsError(
      `${fn}: could not import ${specifier} (${(error as Error).message}); the dataset loaders ` +
        'read files and run in Node.js only',
    );
  }
}
