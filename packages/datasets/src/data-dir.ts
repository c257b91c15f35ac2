import { DataError } from '@uqjs/core';
import { type NodeModules, osAndPathSync } from './node-modules.js';

/**
 * Where downloaded datasets are cached: `$UQJS_DATA_DIR` when set, else `uqjs` in the user's
 * cache folder (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS,
 * `%LOCALAPPDATA%` on Windows). Each loader uses a sub-folder (`mnist`, `cifar10`, `svhn`).
 *
 * Node.js only (20.16 or later: it reaches `node:os` and `node:path` through
 * `process.getBuiltinModule`, so the package imports no Node module at load time); elsewhere
 * it throws a `UqjsError`.
 *
 * @example
 * ```ts
 * process.env.UQJS_DATA_DIR = '/data/uqjs';
 * dataDir(); // '/data/uqjs'
 * ```
 * @since 0.1.0
 */
export function dataDir(): string {
  return dataDirWith(osAndPathSync('dataDir'));
}

/** {@link dataDir} from modules the caller holds (the loaders have imported them already). */
export function dataDirWith({ os, path }: Pick<NodeModules, 'os' | 'path'>): string {
  const { join } = path;
  const fromEnv = process.env.UQJS_DATA_DIR;
  if (fromEnv) return fromEnv;
  const home = os.homedir();
  if (process.platform === 'win32') {
    return join(process.env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'uqjs');
  }
  if (process.platform === 'darwin') return join(home, 'Library', 'Caches', 'uqjs');
  return join(process.env.XDG_CACHE_HOME || join(home, '.cache'), 'uqjs');
}

/** The first of `names` that is a file in one of `dirs` (searched in order), if any. */
export async function findFile(
  { fsPromises, path }: Pick<NodeModules, 'fsPromises' | 'path'>,
  dirs: readonly string[],
  names: readonly string[],
): Promise<string | undefined> {
  for (const dir of dirs) {
    for (const name of names) {
      const file = path.join(dir, name);
      // stat follows links, as a loader reading the file does; a missing path is no file.
      const isFile = await fsPromises.stat(file).then(
        (stats) => stats.isFile(),
        () => false,
      );
      if (isFile) return file;
    }
  }
  return undefined;
}

/** What a loader tells the user when files are missing and `download` is off. */
export interface MissingData {
  /** The public loader, e.g. `'loadCifar10'`. */
  readonly fn: string;
  /** The file names that were not found. */
  readonly missing: readonly string[];
  /** The folders that were searched. */
  readonly lookedIn: readonly string[];
  /** Where `download: true` fetches them from. */
  readonly urls: readonly string[];
  /** The option that points the loader at a folder, e.g. `'dir'`. */
  readonly dirOption: string;
}

/**
 * The error for missing data: which files, where they were looked for, and the two ways to
 * get them (the API flag and the bench's command-line flags).
 */
export function missingDataError(m: MissingData): DataError {
  return new DataError(
    `${m.fn}: missing ${m.missing.join(', ')} (looked in ${m.lookedIn.join(' and ')}). ` +
      `Pass download: true (bench: --download) to fetch ${m.urls.join(', ')} into that folder, ` +
      `or set ${m.dirOption} (bench: --data-dir DIR) to a folder that holds the files.`,
  );
}
