import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@uqjs/core';
import type { EnsembleStore } from './ensemble-store.js';
import { fileSystemHandler } from './file-system-handler.js';

/** The manifest's file name inside an ensemble directory. */
const MANIFEST_FILE = 'ensemble.json';

/**
 * The Node file-system {@link EnsembleStore}: directory `dir` holds `ensemble.json` and one
 * `member-<i>/` directory per member (`model.json` + `weights.bin`, see
 * `fileSystemHandler`). Node only (`@uqjs/ensembles/node`).
 *
 * @example
 * ```ts
 * import { ensembleDirectory } from '@uqjs/ensembles/node';
 * await ensemble.save(ensembleDirectory('/tmp/ensemble'));
 * const restored = await DeepEnsemble.load(ensembleDirectory('/tmp/ensemble'));
 * ```
 * @since 0.2.0
 */
export function ensembleDirectory(dir: string): EnsembleStore {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InvalidArgumentError({
      fn: 'ensembleDirectory',
      argument: 'dir',
      expected: 'a non-empty directory path',
      given: dir,
    });
  }
  const manifest = join(dir, MANIFEST_FILE);
  return {
    location: manifest,
    member: (name) => fileSystemHandler(join(dir, name)),
    writeManifest: async (text) => {
      await mkdir(dir, { recursive: true });
      await writeFile(manifest, text);
    },
    readManifest: () => readFile(manifest, 'utf8'),
  };
}
