import * as tf from '@tensorflow/tfjs-core';
import type { FamilyMath } from './family-math.js';
import { polyval, stableLog1p, withDerivative } from './tensor-math.js';

/** The Euler-Mascheroni constant: the mean of the standard Gumbel. */
const EULER_GAMMA = 0.5772156649015329;

/**
 * The standard (max-)Gumbel distribution (internal): `F(x) = exp(-exp(-x))`,
 * `log F(x) = -exp(-x)`, `log f(x) = -x - exp(-x)`, `F^-1(p) = -log(-log p)`;
 * mean `gamma` (Euler-Mascheroni), variance `pi^2 / 6`. Adding iid standard Gumbel noise to
 * utilities `mu_c` makes `P(argmax = c) = softmax(mu)_c` (McFadden's multinomial logit).
 *
 * Survival `log(1 - F(x)) = log(1 - exp(-a))` with `a = exp(-x)`: for `a >= 1/2`,
 * `log1p(-exp(-a))` (`exp(-a) <= 0.61`, so the subtraction loses under one bit); for `a < 1/2`
 * (the upper tail `x > log 2`), `log a + log((1 - e^-a) / a)` with the series
 * `log((1 - e^-a) / a) = -a/2 + a^2/24 - a^4/2880 + a^6/181440 - a^8/9676800` (from the
 * Bernoulli numbers, `sum_n B_2n a^2n / (2n (2n)!) - a/2`; next term < 3e-12 at `a = 1/2`),
 * so `log(1 - F(50)) = -50` exactly where `1 - F` itself would round to 0.
 */

/** Coefficients of the series in `a` above, highest power first (`a^8 .. a^0`). */
const SURVIVAL_SERIES = [-1 / 9676800, 0, 1 / 181440, 0, -1 / 2880, 0, 1 / 24, -1 / 2, 0];

function logProb(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.neg(x), tf.exp(tf.neg(x)));
}

const logSurvival = withDerivative(
  (x) => {
    const a = tf.exp(tf.neg(x));
    const upperTail = tf.add(tf.neg(x), polyval(SURVIVAL_SERIES, a)); // log a = -x
    const rest = stableLog1p(tf.neg(tf.exp(tf.neg(a))));
    return tf.where(tf.less(a, 0.5), upperTail, rest);
  },
  // d/dx log(1 - F(x)) = -f(x) / (1 - F(x)), formed in log space.
  (x, y) => tf.neg(tf.exp(tf.sub(logProb(x), y))),
);

export const GUMBEL: FamilyMath = {
  kind: 'gumbel',
  mean: EULER_GAMMA,
  variance: (Math.PI * Math.PI) / 6,
  sampler: 'inverse-cdf',
  cdf: (x) => tf.exp(tf.neg(tf.exp(tf.neg(x)))),
  logCdf: (x) => tf.neg(tf.exp(tf.neg(x))),
  logSurvival,
  logProb,
  quantile: (p) => tf.neg(tf.log(tf.neg(tf.log(p)))),
};
