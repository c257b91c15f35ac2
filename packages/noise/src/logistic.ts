import * as tf from '@tensorflow/tfjs-core';
import type { FamilyMath } from './family-math.js';

/**
 * The standard logistic distribution (internal): `F(x) = sigmoid(x)`,
 * `log F(x) = -softplus(-x)`, `log(1 - F(x)) = -softplus(x)`, `log f(x) = -x - 2 softplus(-x)`, `F^-1(p) = log p - log(1 - p)`;
 * mean 0, variance `pi^2 / 3`. The difference of two iid standard Gumbels is standard logistic.
 */
export const LOGISTIC: FamilyMath = {
  kind: 'logistic',
  mean: 0,
  variance: (Math.PI * Math.PI) / 3,
  sampler: 'inverse-cdf',
  cdf: (x) => tf.sigmoid(x),
  logCdf: (x) => tf.neg(tf.softplus(tf.neg(x))),
  logSurvival: (x) => tf.neg(tf.softplus(x)),
  logProb: (x) => tf.sub(tf.neg(x), tf.mul(2, tf.softplus(tf.neg(x)))),
  // 1 - p is exact in float32 for p >= 1/2 (Sterbenz), so the upper tail keeps its precision.
  quantile: (p) => tf.sub(tf.log(p), tf.log(tf.sub(1, p))),
};
