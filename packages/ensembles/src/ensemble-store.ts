import type { io } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';

/**
 * Where `DeepEnsemble.save` writes an ensemble and `DeepEnsemble.load` reads it: the
 * `ensemble.json` manifest plus one tfjs `IOHandler` per member. The package's main entry
 * touches no file system, so it bundles for the browser; `ensembleDirectory(dir)` from
 * `@uqjs/ensembles/node` is the Node file-system store, and a browser store can hand out
 * `tf.io.browserIndexedDB(...)` handlers and keep the manifest in `localStorage`.
 *
 * @since 0.2.0
 */
export interface EnsembleStore {
  /** Names the store in error messages (a directory path, a database name). */
  readonly location: string;
  /** The handler that saves and loads member `name` (`member-<i>`). */
  member(name: string): io.IOHandler;
  /** Writes the manifest text (`ensemble.json`), after every member was saved. */
  writeManifest(text: string): Promise<void>;
  /** Reads the manifest text written by {@link EnsembleStore.writeManifest}. */
  readManifest(): Promise<string>;
}

/** Throws `InvalidArgumentError` unless `store` has the shape of an {@link EnsembleStore}. */
export function checkEnsembleStore(store: unknown, fn: string): EnsembleStore {
  const s = store as Partial<EnsembleStore> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    typeof s.location !== 'string' ||
    typeof s.member !== 'function' ||
    typeof s.writeManifest !== 'function' ||
    typeof s.readManifest !== 'function'
  ) {
    throw new InvalidArgumentError({
      fn,
      argument: 'store',
      expected: "an EnsembleStore (on Node: ensembleDirectory(dir) from '@uqjs/ensembles/node')",
      given: store,
    });
  }
  return s as EnsembleStore;
}
