import {
  checkInRange,
  checkLabels,
  checkPositiveInteger,
  checkSeed,
  InvalidArgumentError,
  Rng,
} from '@uqjs/core';
import { checkOptions } from './options.js';

/**
 * A label noise scheme for {@link corruptLabels}:
 * - `'collier2020'`: the image scheme of Collier et al. (2020): classes 0-4 untouched, classes
 *   5, 6, 7, 8, 9 flipped with probability 0.2, 0.3, 0.4, 0.5, 0.6 (needs `K >= 10`; classes
 *   from 10 up are untouched).
 * - `'collier2020-text'`: the first `floor(K/2)` classes untouched; the other `m = ceil(K/2)`
 *   classes `h + j` (`h = floor(K/2)`, `j = 0..m-1`) flipped with probability
 *   `0.25 + 0.25 * j / (m - 1)`, ramping from 0.25 to 0.5 (0.25 when `m = 1`).
 * - `{ flipProbs }`: class `k` flipped with probability `flipProbs[k]` (length `K`).
 * - `{ symmetric: rate }`: every class flipped with probability `rate`.
 *
 * A flipped example always gets a *different* class, drawn uniformly from the other `K - 1`.
 *
 * @since 0.1.0
 */
export type LabelNoiseScheme =
  | 'collier2020'
  | 'collier2020-text'
  | { readonly flipProbs: readonly number[] }
  | { readonly symmetric: number };

/**
 * Options of {@link corruptLabels}.
 *
 * @since 0.1.0
 */
export interface CorruptLabelsOptions {
  /**
   * `K`, the number of classes. Default: `flipProbs.length` for `{ flipProbs }`, else
   * `max(10, max(labels) + 1)` for `'collier2020'` and `max(labels) + 1` otherwise. Pass it
   * when a class may be absent from `labels` (a small subset), so flips reach every class.
   */
  readonly numClasses?: number;
}

/**
 * Noisy labels and which examples changed.
 *
 * @since 0.1.0
 */
export interface CorruptedLabels {
  /** `[N]` labels after the noise. */
  readonly labels: Int32Array;
  /** `[N]` 1 where the label was changed (never to its old value), else 0. */
  readonly flipped: Uint8Array;
}

/**
 * The per-class flip probabilities of a scheme for `K` classes, `[K]`.
 *
 * @example
 * ```ts
 * flipProbabilities('collier2020', 10); // [0, 0, 0, 0, 0, 0.2, 0.3, 0.4, 0.5, 0.6]
 * ```
 * @since 0.1.0
 */
export function flipProbabilities(scheme: LabelNoiseScheme, numClasses: number): Float64Array {
  return schemeProbabilities(scheme, numClasses, 'flipProbabilities');
}

/** {@link flipProbabilities}, with errors in the name of the public function `fn`. */
function schemeProbabilities(
  scheme: LabelNoiseScheme,
  numClasses: number,
  fn: string,
): Float64Array {
  const k = checkPositiveInteger(numClasses, 'numClasses', fn);
  const probs = new Float64Array(k);
  if (scheme === 'collier2020') {
    if (k < 10) {
      throw new InvalidArgumentError({
        fn,
        argument: 'numClasses',
        expected: "at least 10 for 'collier2020' (classes 5-9 are the noisy ones)",
        given: k,
      });
    }
    probs.set([0, 0, 0, 0, 0, 0.2, 0.3, 0.4, 0.5, 0.6]);
  } else if (scheme === 'collier2020-text') {
    const h = Math.floor(k / 2);
    const m = k - h;
    for (let j = 0; j < m; j++) probs[h + j] = m === 1 ? 0.25 : 0.25 + (0.25 * j) / (m - 1);
  } else if (typeof scheme === 'object' && scheme !== null && 'flipProbs' in scheme) {
    if (!Array.isArray(scheme.flipProbs) || scheme.flipProbs.length !== k) {
      throw new InvalidArgumentError({
        fn,
        argument: 'scheme.flipProbs',
        expected: `${k} probabilities (one per class)`,
        given: scheme.flipProbs,
      });
    }
    scheme.flipProbs.forEach((p, c) => {
      probs[c] = checkInRange(p, `scheme.flipProbs[${c}]`, fn, 0, 1);
    });
  } else if (typeof scheme === 'object' && scheme !== null && 'symmetric' in scheme) {
    probs.fill(checkInRange(scheme.symmetric, 'scheme.symmetric', fn, 0, 1));
  } else {
    throw new InvalidArgumentError({
      fn,
      argument: 'scheme',
      expected: "'collier2020', 'collier2020-text', { flipProbs: number[] } or { symmetric: rate }",
      given: scheme,
    });
  }
  if (k === 1 && probs[0]! > 0) {
    throw new InvalidArgumentError({
      fn,
      argument: 'numClasses',
      expected: 'at least 2 to flip labels to a different class',
      given: k,
    });
  }
  return probs;
}

/**
 * Applies controlled label noise: example `i` of class `c` is relabelled with probability
 * `p_c` (from the scheme, see {@link LabelNoiseScheme}) to a class drawn uniformly from the
 * `K - 1` others, so `P(new = c' | flipped) = 1 / (K - 1)` for every `c' != c`. Classes with
 * `p_c = 0` are left exactly as they are. Seeded: the same labels, scheme and seed give the
 * same result.
 *
 * The paper corrupts the training and validation labels, and reports test results "with
 * similarly corrupted labels": call this once per part with its own seed, e.g.
 * `deriveSeed(seed, 'noise', 'test')`.
 *
 * @example
 * ```ts
 * const { labels, flipped } = corruptLabels(train.labels, 'collier2020', 42);
 * const noisyTrain = train.withLabels(labels);
 * ```
 * @since 0.1.0
 */
export function corruptLabels(
  labels: ArrayLike<number>,
  scheme: LabelNoiseScheme,
  seed: number,
  opts: CorruptLabelsOptions = {},
): CorruptedLabels {
  const fn = 'corruptLabels';
  checkSeed(seed, 'seed', fn);
  const options = checkOptions(opts, 'opts', fn);
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new InvalidArgumentError({
      fn,
      argument: 'labels',
      expected: 'an array of labels',
      given: labels,
    });
  }
  const k = options.numClasses ?? defaultNumClasses(labels, scheme);
  checkPositiveInteger(k, 'numClasses', fn);
  checkLabels(labels, k, 'labels', fn);
  const probs = schemeProbabilities(scheme, k, fn);
  const rng = new Rng(seed);
  const out = Int32Array.from(labels);
  const flipped = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) {
    const c = out[i]!;
    const p = probs[c]!;
    if (p === 0 || rng.uniform() >= p) continue;
    // Uniform over the K - 1 classes other than c: draw from [0, K - 2], skip over c.
    const r = rng.int(k - 1);
    out[i] = r >= c ? r + 1 : r;
    flipped[i] = 1;
  }
  return { labels: out, flipped };
}

function defaultNumClasses(labels: ArrayLike<number>, scheme: LabelNoiseScheme): number {
  if (typeof scheme === 'object' && scheme !== null && 'flipProbs' in scheme) {
    return Array.isArray(scheme.flipProbs) ? scheme.flipProbs.length : 0;
  }
  // Non-integer labels are skipped here and reported by checkLabels with their index.
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (Number.isInteger(y) && y > max) max = y;
  }
  return scheme === 'collier2020' ? Math.max(10, max + 1) : Math.max(max + 1, 1);
}
