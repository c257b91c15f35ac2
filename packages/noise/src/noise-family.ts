import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkSeed, InvalidArgumentError, type Seed } from '@uqjs/core';
import { asFloat, checkTensor } from './check-tensor.js';
import type { FamilyMath } from './family-math.js';
import { drawRowsView, fillNormalRows, fillUniformRows } from './fill-rows.js';
import { GUMBEL } from './gumbel.js';
import { LOGISTIC } from './logistic.js';
import { checkNoiseKind, type NoiseKind } from './noise-kind.js';
import { NORMAL } from './normal.js';

/**
 * A standard location-scale noise family: the member with location 0 and scale 1. The
 * location-scale member is `loc + scale * u` with `u` standard (see `sampleLatents`).
 *
 * All tensor functions are elementwise, take and return float32 tensors of any shape, and
 * are differentiable.
 *
 * @since 0.1.0
 */
export interface NoiseFamily {
  /** The family's name. */
  readonly kind: NoiseKind;
  /** Mean of the standard member: 0 (normal, logistic) or Euler's gamma (gumbel). */
  readonly mean: number;
  /** Variance of the standard member: 1, `pi^2 / 3` (logistic), `pi^2 / 6` (gumbel). */
  readonly variance: number;
  /**
   * Standard draws of the given shape. Row `i` of axis 0 depends only on `(seed, firstRow + i)`,
   * so a slice of rows can be regenerated alone: `sampleStandard([n, ...rest], seed, first)`
   * equals rows `first .. first + n` of any larger draw with the same seed. Default
   * `firstRow = 0`. The same seed gives the same numbers (on the same backend).
   */
  sampleStandard(shape: readonly number[], seed: Seed, firstRow?: number): tf.Tensor;
  /** Cumulative distribution function `F(x)`. */
  cdf(x: tf.Tensor): tf.Tensor;
  /** `log F(x)`, accurate in both tails (finite at `x = -50`, ~0 at `x = 50`). */
  logCdf(x: tf.Tensor): tf.Tensor;
  /**
   * `log(1 - F(x)) = log P(u > x)`, accurate in both tails: `logCdf(-x)` for the symmetric
   * normal and logistic; for the Gumbel, which is not symmetric,
   * `log(1 - exp(-exp(-x)))` without cancellation (`-50` at `x = 50`, ~0 at `x = -50`).
   */
  logSurvival(x: tf.Tensor): tf.Tensor;
  /** Log density `log f(x)`. */
  logProb(x: tf.Tensor): tf.Tensor;
  /** Inverse CDF `F^-1(p)`; `-Infinity` at 0, `Infinity` at 1, NaN outside `[0, 1]`. */
  quantile(p: tf.Tensor): tf.Tensor;
}

const FAMILIES: Record<NoiseKind, FamilyMath> = {
  normal: NORMAL,
  logistic: LOGISTIC,
  gumbel: GUMBEL,
};

function checkShapeArray(shape: unknown, fn: string): readonly number[] {
  if (!Array.isArray(shape)) {
    throw new InvalidArgumentError({ fn, argument: 'shape', expected: 'an array', given: shape });
  }
  shape.forEach((size, i) => {
    checkInteger(size, `shape[${i}]`, fn);
  });
  return shape;
}

/**
 * Backends that copy a new tensor's values into their own memory at once (tfjs-backend-wasm's
 * `write` copies into its heap), so a draw's buffer can be reused by the next draw. Others (cpu,
 * webgpu) keep the array itself as the tensor's data, so they get a fresh array each time.
 */
const COPYING_BACKENDS = new Set(['wasm']);

let reusable = new Float32Array(0);

/**
 * `size` draws (normal or uniform) in rows of `rowLength`. On a copying backend they stay where
 * they are drawn: a view of the WebAssembly fill module's memory (no copy into a buffer first),
 * else one reused array (a large draw, `[1000, 128, 10]` = 5 MB each training step, would
 * otherwise cost a fresh allocation, its page faults and its garbage collection every time).
 * Elsewhere a new array.
 */
function drawValues(
  kind: 'normal' | 'uniform',
  size: number,
  rowLength: number,
  firstRow: number,
  seed: Seed,
): Float32Array {
  const fill = kind === 'normal' ? fillNormalRows : fillUniformRows;
  if (!COPYING_BACKENDS.has(tf.getBackend())) {
    return fill(new Float32Array(size), rowLength, firstRow, seed);
  }
  const view = drawRowsView(kind, size, rowLength, firstRow, seed);
  if (view !== null) return view;
  if (reusable.length < size) reusable = new Float32Array(size);
  return fill(reusable.subarray(0, size), rowLength, firstRow, seed);
}

function drawStandard(
  math: FamilyMath,
  shape: readonly number[],
  seed: Seed,
  firstRow: number,
): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  // Rows run along axis 0; a scalar is one row of one value.
  const rowLength = shape.length === 0 ? 1 : shape.slice(1).reduce((a, b) => a * b, 1);
  if (math.sampler === 'ziggurat') {
    return tf.tensor(drawValues('normal', size, rowLength, firstRow, seed), [...shape], 'float32');
  }
  return tf.tidy(() => {
    const uniform = tf.tensor(drawValues('uniform', size, rowLength, firstRow, seed), [...shape]);
    return math.quantile(uniform);
  });
}

/**
 * The standard member of a noise family, with its sampler and closed forms.
 *
 * - `normal`: `N(0, 1)`; sampled by the ziggurat method (in WebAssembly; JavaScript without it).
 * - `logistic`: `F(x) = sigmoid(x)`; sampled as `quantile(u)`, `u` uniform, on the backend.
 * - `gumbel`: the max-Gumbel, `F(x) = exp(-exp(-x))`; iid Gumbel noise on utilities gives
 *   the softmax (multinomial logit) choice probabilities; sampled as `quantile(u)`.
 *
 * Uniforms have 23 random bits in `(0, 1)` (smallest `2^-24`), which bounds the inverse-CDF
 * samples to `[-16.6, 16.6]` (logistic) and `[-2.81, 16.6]` (gumbel): a truncation of mass
 * `< 1.2e-7` per tail, invisible at any practical Monte Carlo sample size.
 *
 * @example
 * ```ts
 * const gumbel = noiseFamily('gumbel');
 * const u = gumbel.sampleStandard([1000, 10], 42); // [1000, 10], reproducible
 * const tail = gumbel.logCdf(tf.tensor([-50, 0, 50])); // [-5.18e21, -1, -1.9e-22]
 * ```
 * @since 0.1.0
 */
export function noiseFamily(kind: NoiseKind): NoiseFamily {
  const math = FAMILIES[checkNoiseKind(kind, 'kind', 'noiseFamily')];
  const fnName = (method: string) => `noiseFamily('${math.kind}').${method}`;
  const elementwise =
    (method: string, f: (x: tf.Tensor) => tf.Tensor, argument: string) =>
    (x: tf.Tensor): tf.Tensor => {
      const input = checkTensor(x, argument, fnName(method));
      return tf.tidy(() => f(asFloat(input)));
    };
  return Object.freeze({
    kind: math.kind,
    mean: math.mean,
    variance: math.variance,
    sampleStandard(shape: readonly number[], seed: Seed, firstRow = 0): tf.Tensor {
      const fn = fnName('sampleStandard');
      checkShapeArray(shape, fn);
      checkSeed(seed, 'seed', fn);
      checkInteger(firstRow, 'firstRow', fn);
      return drawStandard(math, shape, seed, firstRow);
    },
    cdf: elementwise('cdf', math.cdf, 'x'),
    logCdf: elementwise('logCdf', math.logCdf, 'x'),
    logSurvival: elementwise('logSurvival', math.logSurvival, 'x'),
    logProb: elementwise('logProb', math.logProb, 'x'),
    quantile: elementwise('quantile', math.quantile, 'p'),
  });
}
