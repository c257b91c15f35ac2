import * as tf from '@tensorflow/tfjs-core';
import type { FamilyMath } from './family-math.js';

/** The Euler-Mascheroni constant: the mean of the standard Gumbel. */
const EULER_GAMMA = 0.5772156649015329;

/**
 * The standard (max-)Gumbel distribution (internal): `F(x) = exp(-exp(-x))`,
 * `log F(x) = -exp(-x)`, `log f(x) = -x - exp(-x)`, `F^-1(p) = -log(-log p)`;
 * mean `gamma` (Euler-Mascheroni), variance `pi^2 / 6`. Adding iid standard Gumbel noise to
 * utilities `mu_c` makes `P(argmax = c) = softmax(mu)_c` (McFadden's multinomial logit).
 */
export const GUMBEL: FamilyMath = {
  kind: 'gumbel',
  mean: EULER_GAMMA,
  variance: (Math.PI * Math.PI) / 6,
  sampler: 'inverse-cdf',
  cdf: (x) => tf.exp(tf.neg(tf.exp(tf.neg(x)))),
  logCdf: (x) => tf.neg(tf.exp(tf.neg(x))),
  logProb: (x) => tf.sub(tf.neg(x), tf.exp(tf.neg(x))),
  quantile: (p) => tf.neg(tf.log(tf.neg(tf.log(p)))),
};
