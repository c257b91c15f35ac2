import * as tf from '@tensorflow/tfjs-core';
import type { FamilyMath } from './family-math.js';
import { polyval, stableLog1p, withDerivative } from './tensor-math.js';

/**
 * The standard normal N(0, 1) (internal).
 *
 * CDF: `Phi(x) = erfc(-x / sqrt 2) / 2`, with `log erfc(z)` for `z >= 0` from the Chebyshev fit
 * `erfc(z) = t exp(-z^2 + P(t))`, `t = 1 / (1 + z / 2)` (Press et al., Numerical Recipes,
 * 2nd ed., sec. 6.2; fractional error < 1.2e-7 for all z). Written in log form,
 * `log erfc(z) = log t - z^2 + P(t)` never underflows, so `logCdf(-50) = -1254.83` is exact
 * to float32 precision; the upper tail uses `log1p(-erfc(z) / 2)`.
 *
 * Quantile: Wichura's algorithm AS241 in its single-precision form PPND7 (Applied Statistics
 * 37(3), 1988): rational functions with positive coefficients, so float32 evaluation does not
 * cancel; relative error ~1e-7 (checked against a float64 reference in the tests).
 */

const LOG_HALF = Math.log(0.5);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** P(t) of the erfc fit, highest power first. */
const ERFC_P = [
  0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
  1.00002368, -1.26551223,
];

/** `log erfc(z)` for `z >= 0`. */
function logErfc(z: tf.Tensor): tf.Tensor {
  const t = tf.div(1, tf.add(1, tf.mul(0.5, z)));
  return tf.add(tf.sub(tf.log(t), tf.square(z)), polyval(ERFC_P, t));
}

/** `log erfc(|x| / sqrt 2)`: the log of twice the tail mass beyond `|x|`. */
function logTwiceTail(x: tf.Tensor): tf.Tensor {
  return logErfc(tf.mul(tf.abs(x), Math.SQRT1_2));
}

function logProb(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(-0.5, tf.square(x)), HALF_LOG_2PI);
}

const cdf = withDerivative(
  (x) => {
    const tailMass = tf.mul(0.5, tf.exp(logTwiceTail(x))); // Phi(-|x|)
    return tf.where(tf.less(x, 0), tailMass, tf.sub(1, tailMass));
  },
  (x) => tf.exp(logProb(x)),
);

const logCdf = withDerivative(
  (x) => {
    const logTwice = logTwiceTail(x);
    const lower = tf.add(LOG_HALF, logTwice); // x < 0: log Phi(x) = log(erfc(-x / sqrt 2) / 2)
    const upper = stableLog1p(tf.neg(tf.mul(0.5, tf.exp(logTwice)))); // x >= 0: log(1 - Phi(-x))
    return tf.where(tf.less(x, 0), lower, upper);
  },
  // d/dx log Phi(x) = phi(x) / Phi(x), formed in log space (the inverse Mills ratio).
  (x, y) => tf.exp(tf.sub(logProb(x), y)),
);

/** Wichura's AS241 PPND7 coefficients (numerator, denominator; highest power first). */
const CENTRAL_NUM = [59.10937472, 159.29113202, 50.434271938, 3.3871327179];
const CENTRAL_DEN = [67.1875636, 78.757757664, 17.895169469, 1];
const NEAR_NUM = [0.17023821103, 1.3067284816, 2.75681539, 1.4234372777];
const NEAR_DEN = [0.12021132975, 0.7370016425, 1];
const FAR_NUM = [0.017337203997, 0.42868294337, 3.081226386, 6.657905115];
const FAR_DEN = [0.012258202635, 0.24197894225, 1];

function rational(num: readonly number[], den: readonly number[], x: tf.Tensor): tf.Tensor {
  return tf.div(polyval(num, x), polyval(den, x));
}

const quantile = withDerivative(
  (p) => {
    const q = tf.sub(p, 0.5);
    // |q| <= 0.425: q N(r) / D(r) with r = 0.180625 - q^2.
    const central = tf.mul(q, rational(CENTRAL_NUM, CENTRAL_DEN, tf.sub(0.180625, tf.square(q))));
    // Tails: r = sqrt(-log(min(p, 1 - p))); rational in r - 1.6 (r <= 5) or r - 5 (beyond).
    const smaller = tf.maximum(tf.minimum(p, tf.sub(1, p)), 1e-38); // p in {0, 1}: handled below
    const r = tf.sqrt(tf.neg(tf.log(smaller)));
    const magnitude = tf.where(
      tf.lessEqual(r, 5),
      rational(NEAR_NUM, NEAR_DEN, tf.sub(r, 1.6)),
      rational(FAR_NUM, FAR_DEN, tf.sub(r, 5)),
    );
    const tail = tf.where(tf.less(q, 0), tf.neg(magnitude), magnitude);
    const value = tf.where(tf.lessEqual(tf.abs(q), 0.425), central, tail);
    const infinite = tf.where(
      tf.equal(p, 0),
      tf.fill(p.shape, -Infinity),
      tf.fill(p.shape, Infinity),
    );
    const atEnds = tf.logicalOr(tf.equal(p, 0), tf.equal(p, 1));
    const outside = tf.logicalOr(tf.less(p, 0), tf.greater(p, 1));
    return tf.where(outside, tf.fill(p.shape, Number.NaN), tf.where(atEnds, infinite, value));
  },
  // dq/dp = 1 / phi(q).
  (_p, q) => tf.exp(tf.neg(logProb(q))),
);

export const NORMAL: FamilyMath = {
  kind: 'normal',
  mean: 0,
  variance: 1,
  sampler: 'ziggurat',
  cdf,
  logCdf,
  // Symmetry: 1 - Phi(x) = Phi(-x).
  logSurvival: (x) => logCdf(tf.neg(x)),
  logProb,
  quantile,
};
