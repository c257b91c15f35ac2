/**
 * The log-features of probabilities used by Platt scaling on probabilities and by beta
 * calibration, with probabilities clamped to `[EPS, 1 - EPS]` so that 0 and 1 stay finite.
 * Internal.
 */

/** Probabilities are clamped to `[EPS, 1 - EPS]` before taking logs (`logit(EPS) ≈ -27.6`). */
export const EPS = 1e-12;

function clamp(p: number): number {
  return Math.min(Math.max(p, EPS), 1 - EPS);
}

/** `ln p` of the clamped probability. */
export function logOf(p: number): number {
  return Math.log(clamp(p));
}

/** `-ln(1 - p)` of the clamped probability. */
export function negLog1mOf(p: number): number {
  return -Math.log1p(-clamp(p));
}

/** `logit(p) = ln p - ln(1 - p)` of the clamped probability. */
export function logitOf(p: number): number {
  return logOf(p) + negLog1mOf(p);
}
