import { Rng } from '@uqjs/core';

/** Simulated data and independent reference computations for the calibration tests. */

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/**
 * `n` binary examples of an overconfident model: true logit `z ~ N(0, 1.5^2)`, label drawn
 * from `sigmoid(z)`, reported probability `sigmoid(2.5 z)`.
 */
export function overconfidentBinary(
  seed: number,
  n: number,
): { probs: number[]; labels: number[] } {
  const rng = new Rng(seed);
  const probs: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = 1.5 * rng.normal();
    labels.push(rng.uniform() < sigmoid(z) ? 1 : 0);
    probs.push(sigmoid(2.5 * z));
  }
  return { probs, labels };
}

function softmax(z: readonly number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** `n` examples of K classes: labels from `softmax(z)`, reported `softmax(3 z)` (overconfident). */
export function overconfidentMulticlass(
  seed: number,
  n: number,
  k: number,
): { probs: number[][]; labels: number[] } {
  const rng = new Rng(seed);
  const probs: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, () => rng.normal());
    const truth = softmax(z);
    let u = rng.uniform();
    let y = k - 1;
    for (let c = 0; c < k; c++) {
      u -= truth[c]!;
      if (u < 0) {
        y = c;
        break;
      }
    }
    labels.push(y);
    probs.push(softmax(z.map((v) => 3 * v)));
  }
  return { probs, labels };
}

/** Gradient of the mean logistic loss of `sigmoid(sum_j theta_j x_j)` (written from the definition). */
export function logisticGradient(
  features: readonly (readonly number[])[],
  targets: readonly number[],
  theta: readonly number[],
): number[] {
  const n = targets.length;
  return theta.map((_, j) => {
    let g = 0;
    for (let i = 0; i < n; i++) {
      const eta = theta.reduce((s, t, a) => s + t * features[a]![i]!, 0);
      g += (sigmoid(eta) - targets[i]!) * features[j]![i]!;
    }
    return g / n;
  });
}

/** Mean logistic loss of `sigmoid(sum_j theta_j x_j)`. */
export function logisticLoss(
  features: readonly (readonly number[])[],
  targets: readonly number[],
  theta: readonly number[],
): number {
  let sum = 0;
  for (let i = 0; i < targets.length; i++) {
    const eta = theta.reduce((s, t, a) => s + t * features[a]![i]!, 0);
    sum += Math.log1p(Math.exp(-Math.abs(eta))) + Math.max(eta, 0) - targets[i]! * eta;
  }
  return sum / targets.length;
}
