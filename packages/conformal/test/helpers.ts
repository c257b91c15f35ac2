import type { Rng } from '@uqjs/core';

/** Simulated data from known distributions, and the Monte Carlo bounds the tests use. */

function softmax(z: readonly number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function sampleCategorical(rng: Rng, p: readonly number[]): number {
  let u = rng.uniform();
  for (let k = 0; k < p.length; k++) {
    u -= p[k]!;
    if (u < 0) return k;
  }
  return p.length - 1;
}

/**
 * `n` iid examples of a K-class problem: logits `z ~ N(0, 4 I)`, the true label drawn from
 * `softmax(0.6 z)`, and the model's probabilities `softmax(z)` (overconfident, so
 * the conformal guarantee, not the model, gives the coverage). Scores are continuous.
 */
export function classificationData(
  rng: Rng,
  n: number,
  k: number,
): { probs: number[][]; labels: number[] } {
  const probs: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, () => 2 * rng.normal());
    probs.push(softmax(z));
    labels.push(sampleCategorical(rng, softmax(z.map((v) => 0.6 * v))));
  }
  return { probs, labels };
}

/**
 * `n` iid regression examples: `x ~ U(0, 1)`, `y = sin(2 pi x) + (0.2 + x) e`, `e ~ N(0, 1)`.
 * The model is misspecified on purpose: point prediction `mu = 0.8 sin(2 pi x)`, quantile
 * band `mu ± 0.5` (constant width where the noise grows with x).
 */
export function regressionData(
  rng: Rng,
  n: number,
): { mu: Float64Array; lower: Float64Array; upper: Float64Array; y: Float64Array } {
  const mu = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = rng.uniform();
    const f = Math.sin(2 * Math.PI * x);
    mu[i] = 0.8 * f;
    y[i] = f + (0.2 + x) * rng.normal();
  }
  return {
    mu,
    lower: mu.map((m) => m - 0.5),
    upper: mu.map((m) => m + 0.5),
    y,
  };
}

/**
 * Four standard errors of the mean coverage over `reps` independent calibration/test splits
 * with `n` calibration and `nTest` test examples, for continuous scores. Given the calibration
 * set, the coverage is `F(qhat)`, the `k`-th order statistic of `n` uniforms: Beta(k, n + 1 - k),
 * variance `k (n + 1 - k) / ((n + 1)^2 (n + 2))`. The test-set average adds at most
 * `E[C (1 - C)] / nTest <= c (1 - c) / nTest` of binomial variance (Jensen), `c = k / (n + 1)`.
 */
export function coverageTolerance(n: number, k: number, nTest: number, reps: number): number {
  const c = k / (n + 1);
  const betaVariance = (k * (n + 1 - k)) / ((n + 1) ** 2 * (n + 2));
  return 4 * Math.sqrt((betaVariance + (c * (1 - c)) / nTest) / reps);
}
