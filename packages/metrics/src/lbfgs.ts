/**
 * A small deterministic L-BFGS minimizer (Nocedal & Wright 2006, Algorithm 7.4/7.5) with a
 * backtracking Armijo line search, for the smooth convex objectives of vector and matrix
 * scaling. Internal.
 */

/** Evaluates the objective at `x` and writes its gradient into `grad`. */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Stop after this many iterations. */
  readonly maxIterations: number;
  /** Stop when `max_j |grad_j|` falls below this. */
  readonly gradientTolerance: number;
  /** Number of (s, y) pairs kept. */
  readonly memory?: number;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly iterations: number;
  /** True when the gradient test passed (false: iteration limit, or no more progress possible). */
  readonly converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** `-H g` by the two-loop recursion over the stored pairs (oldest first in `s`, `y`). */
function searchDirection(g: Float64Array, s: Float64Array[], y: Float64Array[]): Float64Array {
  const q = g.slice();
  const alpha = new Float64Array(s.length);
  for (let j = s.length - 1; j >= 0; j--) {
    alpha[j] = dot(s[j]!, q) / dot(y[j]!, s[j]!);
    for (let i = 0; i < q.length; i++) q[i]! -= alpha[j]! * y[j]![i]!;
  }
  const last = s.length - 1;
  // Initial Hessian guess gamma I with gamma = s'y / y'y of the newest pair (1 before any pair,
  // scaled so that the first step has unit length).
  const gamma =
    last >= 0
      ? dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!)
      : 1 / Math.max(1, Math.sqrt(dot(g, g)));
  for (let i = 0; i < q.length; i++) q[i]! *= gamma;
  for (let j = 0; j < s.length; j++) {
    const beta = dot(y[j]!, q) / dot(y[j]!, s[j]!);
    for (let i = 0; i < q.length; i++) q[i]! += s[j]![i]! * (alpha[j]! - beta);
  }
  for (let i = 0; i < q.length; i++) q[i] = -q[i]!;
  return q;
}

/** Minimizes `fg` from `x0`. */
export function minimizeLbfgs(
  fg: ObjectiveWithGradient,
  x0: Float64Array,
  opts: LbfgsOptions,
): LbfgsResult {
  const memory = opts.memory ?? 10;
  const n = x0.length;
  let x = x0.slice();
  let g = new Float64Array(n);
  let f = fg(x, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  let iterations = 0;
  while (iterations < opts.maxIterations) {
    if (maxAbs(g) <= opts.gradientTolerance) return { x, f, iterations, converged: true };
    let d = searchDirection(g, s, y);
    let slope = dot(d, g);
    if (!(slope < 0)) {
      // Not a descent direction (curvature pairs gone stale): restart from steepest descent.
      s.length = 0;
      y.length = 0;
      d = searchDirection(g, s, y);
      slope = dot(d, g);
    }
    const xNew = new Float64Array(n);
    const gNew = new Float64Array(n);
    let step = 1;
    let fNew = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!;
      fNew = fg(xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    iterations++;
    if (!(fNew <= f + 1e-4 * step * slope)) return { x, f, iterations, converged: false };
    const sNew = new Float64Array(n);
    const yNew = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sNew[i] = xNew[i]! - x[i]!;
      yNew[i] = gNew[i]! - g[i]!;
    }
    // Keep the pair only when it carries positive curvature, so the inverse Hessian stays positive definite.
    if (dot(sNew, yNew) > 1e-12 * dot(yNew, yNew)) {
      s.push(sNew);
      y.push(yNew);
      if (s.length > memory) {
        s.shift();
        y.shift();
      }
    }
    const decrease = f - fNew;
    x = xNew;
    g = gNew;
    f = fNew;
    if (decrease <= 1e-15 * Math.max(1, Math.abs(f))) {
      return { x, f, iterations, converged: maxAbs(g) <= opts.gradientTolerance };
    }
  }
  return { x, f, iterations, converged: maxAbs(g) <= opts.gradientTolerance };
}
