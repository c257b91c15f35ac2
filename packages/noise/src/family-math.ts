import type * as tf from '@tensorflow/tfjs-core';
import type { NoiseKind } from './noise-kind.js';

/**
 * The closed forms of one standard noise family, without input checks (internal; the public
 * face is `noiseFamily(kind)`). All functions are elementwise on float32 tensors.
 */
export interface FamilyMath {
  readonly kind: NoiseKind;
  readonly mean: number;
  readonly variance: number;
  /** How `sampleStandard` draws: ziggurat in JavaScript, or `quantile(uniform)` on the backend. */
  readonly sampler: 'ziggurat' | 'inverse-cdf';
  cdf(x: tf.Tensor): tf.Tensor;
  logCdf(x: tf.Tensor): tf.Tensor;
  /** `log(1 - F(x))`, accurate in both tails. */
  logSurvival(x: tf.Tensor): tf.Tensor;
  logProb(x: tf.Tensor): tf.Tensor;
  quantile(p: tf.Tensor): tf.Tensor;
}
