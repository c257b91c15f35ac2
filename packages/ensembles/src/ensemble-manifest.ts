import { DataError } from '@uqjs/core';

/** Largest number of members an ensemble may have (`create` and a loaded manifest). */
export const MAX_MEMBERS = 1000;

/** The kinds of member output a `DeepEnsemble` understands. */
export const ENSEMBLE_OUTPUTS = ['probabilities', 'logits', 'gaussian', 'laplace'] as const;

/**
 * What a member model outputs: class `'probabilities'` `[B, K]` (softmax output layer),
 * class `'logits'` `[B, K]`, or a two-column heteroscedastic regression head `[B, 2]`
 * read as `'gaussian'` (mean, variance) or `'laplace'` (location, scale).
 *
 * @since 0.1.0
 */
export type EnsembleOutput = (typeof ENSEMBLE_OUTPUTS)[number];

/** The `ensemble.json` a saved `DeepEnsemble` directory holds next to `member-<i>/`. */
export interface EnsembleManifest {
  readonly format: 'uqjs-deep-ensemble';
  readonly formatVersion: 1;
  readonly seed: number;
  readonly output: EnsembleOutput;
  readonly eps: number;
  /** How many times `fit` ran; later fits draw fresh data orders from it. */
  readonly fits: number;
  /** Member directory names, in member order. */
  readonly members: readonly string[];
}

/** Parses and checks `ensemble.json`; throws `DataError` naming the file and the field. */
export function parseManifest(text: string, path: string): EnsembleManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataError(
      `DeepEnsemble.load: ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const m = (json ?? {}) as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new DataError(
      `DeepEnsemble.load: ${path}: ${field} must be ${expected}, got ${JSON.stringify(m[field])}`,
    );
  };
  if (m.format !== 'uqjs-deep-ensemble') fail('format', '"uqjs-deep-ensemble"');
  if (m.formatVersion !== 1) fail('formatVersion', '1');
  const seed = m.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    fail('seed', 'an integer seed in [0, 2^32)');
  }
  if (!(ENSEMBLE_OUTPUTS as readonly unknown[]).includes(m.output)) {
    fail('output', `one of ${ENSEMBLE_OUTPUTS.join(', ')}`);
  }
  if (typeof m.eps !== 'number' || !(m.eps > 0) || !Number.isFinite(m.eps))
    fail('eps', 'a finite number > 0');
  if (typeof m.fits !== 'number' || !Number.isInteger(m.fits) || m.fits < 0)
    fail('fits', 'an integer >= 0');
  const members = m.members;
  if (
    !Array.isArray(members) ||
    members.length === 0 ||
    !members.every(
      (name) => typeof name === 'string' && /^[\w.-]+$/.test(name) && name !== '.' && name !== '..',
    )
  ) {
    fail('members', 'a non-empty list of member directory names');
  }
  if ((members as unknown[]).length > MAX_MEMBERS) {
    throw new DataError(
      `DeepEnsemble.load: ${path}: members must list at most ${MAX_MEMBERS} members, got ${(members as unknown[]).length}`,
    );
  }
  if (new Set(members as string[]).size !== (members as string[]).length) {
    fail('members', 'a list of distinct member directory names');
  }
  return m as unknown as EnsembleManifest;
}
