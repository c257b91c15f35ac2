/**
 * Maximum-likelihood logistic regression with a handful of features, by Newton's method with
 * a backtracking (Armijo) line search: the engine of Platt scaling, beta calibration and
 * per-output temperatures. Internal.
 *
 * Objective (mean over `n` examples, targets `t_i` in `[0, 1]`):
 * `L(theta) = mean_i softplus(eta_i) - t_i eta_i`, `eta = X theta`, with gradient
 * `X' (sigmoid(eta) - t) / n` and Hessian `X' diag(s (1 - s)) X / n`; L is convex.
 */

/** What {@link fitLogistic} returns. */
export interface LogisticFit {
  /** `[p]` fitted coefficients, one per feature. */
  readonly theta: Float64Array;
  /** Mean negative log-likelihood at `theta`. */
  readonly loss: number;
  /** `[p]` gradient of the mean loss at `theta`. */
  readonly gradient: Float64Array;
  readonly iterations: number;
  /** True when `max_j |gradient_j| <= tolerance`. */
  readonly converged: boolean;
  /**
   * True when the targets are hard (0/1) and every fitted probability is within `1e-3` of its
   * target: the classes are separated by the features, the maximum-likelihood estimate does
   * not exist (the coefficients grow without bound) and `theta` is a steep fit, not an MLE.
   */
  readonly separable: boolean;
}

/** `log(1 + e^x)` without overflow. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** The logistic sigmoid, exact in both tails. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function linear(features: readonly Float64Array[], theta: Float64Array, i: number): number {
  let eta = 0;
  for (let j = 0; j < features.length; j++) eta += theta[j]! * features[j]![i]!;
  return eta;
}

function lossAt(features: readonly Float64Array[], t: Float64Array, theta: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < t.length; i++) {
    const eta = linear(features, theta, i);
    sum += softplus(eta) - t[i]! * eta;
  }
  return sum / t.length;
}

/** Gradient `[p]` and Hessian `[p, p]` (row-major) of the mean loss. */
function derivatives(
  features: readonly Float64Array[],
  t: Float64Array,
  theta: Float64Array,
): { gradient: Float64Array; hessian: Float64Array } {
  const p = features.length;
  const n = t.length;
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const s = sigmoid(linear(features, theta, i));
    const r = s - t[i]!;
    const w = s * (1 - s);
    for (let a = 0; a < p; a++) {
      const xa = features[a]![i]!;
      gradient[a]! += (r * xa) / n;
      for (let b = 0; b <= a; b++) hessian[a * p + b]! += (w * xa * features[b]![i]!) / n;
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) hessian[b * p + a] = hessian[a * p + b]!;
  return { gradient, hessian };
}

/**
 * Solves `A x = b` (`A` `[p, p]` symmetric positive semi-definite) by Gaussian elimination with
 * partial pivoting, after adding a ridge of `1e-12 * (trace / p + 1)` so that a singular `A`
 * (a vanishing curvature, as when separated) still gives a finite step.
 */
function solve(a: Float64Array, b: Float64Array): Float64Array {
  const p = b.length;
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  let trace = 0;
  for (let i = 0; i < p; i++) trace += m[i * p + i]!;
  for (let i = 0; i < p; i++) m[i * p + i]! += 1e-12 * (trace / p + 1);
  for (let c = 0; c < p; c++) {
    let pivot = c;
    for (let r = c + 1; r < p; r++)
      if (Math.abs(m[r * p + c]!) > Math.abs(m[pivot * p + c]!)) pivot = r;
    if (pivot !== c) {
      for (let k = 0; k < p; k++)
        [m[c * p + k], m[pivot * p + k]] = [m[pivot * p + k]!, m[c * p + k]!];
      [x[c], x[pivot]] = [x[pivot]!, x[c]!];
    }
    for (let r = c + 1; r < p; r++) {
      const f = m[r * p + c]! / m[c * p + c]!;
      for (let k = c; k < p; k++) m[r * p + k]! -= f * m[c * p + k]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let c = p - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let k = c + 1; k < p; k++) s -= m[c * p + k]! * x[k]!;
    x[c] = s / m[c * p + c]!;
  }
  return x;
}

function maxAbs(v: Float64Array): number {
  return v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

/**
 * Fits `P(t = 1) = sigmoid(sum_j theta_j features_j)` by maximum likelihood from `theta = 0`.
 *
 * @param features `p` feature columns, each `[n]` (include a column of ones for an intercept).
 * @param targets `[n]` targets in `[0, 1]`.
 */
export function fitLogistic(
  features: readonly Float64Array[],
  targets: Float64Array,
  opts: { readonly maxIterations?: number; readonly tolerance?: number } = {},
): LogisticFit {
  const maxIterations = opts.maxIterations ?? 100;
  const tolerance = opts.tolerance ?? 1e-10;
  let theta = new Float64Array(features.length);
  let loss = lossAt(features, targets, theta);
  let { gradient, hessian } = derivatives(features, targets, theta);
  let iterations = 0;
  while (maxAbs(gradient) > tolerance && iterations < maxIterations) {
    const direction = solve(
      hessian,
      gradient.map((g) => -g),
    );
    const slope = direction.reduce((s, d, j) => s + d * gradient[j]!, 0);
    // Near the optimum a Newton step changes the loss by less than float64 resolves (a
    // gradient of 1e-10 moves it by ~1e-20): the full step is taken when the loss stays
    // within rounding of its value, so the gradient test can still be met.
    const noise = 1e-14 * Math.max(1, Math.abs(loss));
    let step = 1;
    let next = theta;
    let accepted = false;
    let nextLoss = loss;
    for (let tries = 0; tries < 60 && !accepted; tries++) {
      next = theta.map((v, j) => v + step * direction[j]!);
      nextLoss = lossAt(features, targets, next);
      accepted = nextLoss <= loss + 1e-4 * step * slope || (step === 1 && nextLoss <= loss + noise);
      if (!accepted) step *= 0.5;
    }
    iterations++;
    if (!accepted) break;
    theta = next;
    loss = nextLoss;
    ({ gradient, hessian } = derivatives(features, targets, theta));
  }
  let hard = true;
  let worst = 0;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    if (t !== 0 && t !== 1) hard = false;
    worst = Math.max(worst, Math.abs(sigmoid(linear(features, theta, i)) - t));
  }
  return {
    theta,
    loss,
    gradient,
    iterations,
    converged: maxAbs(gradient) <= tolerance,
    separable: hard && worst < 1e-3,
  };
}
