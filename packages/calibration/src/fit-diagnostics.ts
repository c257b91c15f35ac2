import type { LogisticFit } from './logistic-fit.js';

/**
 * How the maximum-likelihood fit of one class went (not stored by `toJSON`).
 *
 * @since 0.1.0
 */
export interface FitDiagnostics {
  /** Mean negative log-likelihood of the fitting data at the fit. */
  readonly loss: number;
  /** Newton iterations taken. */
  readonly iterations: number;
  /** True when the gradient of the mean loss fell below `1e-10` (at the optimum). */
  readonly converged: boolean;
  /**
   * True when the classes are separated by the scores: no maximum-likelihood estimate
   * exists, and the fit is a steep step (`PlattScaling`'s `targets: 'platt'` keeps it finite).
   */
  readonly separable: boolean;
}

/** The diagnostics of a logistic fit. Internal. */
export function diagnosticsOf(fit: LogisticFit): FitDiagnostics {
  return {
    loss: fit.loss,
    iterations: fit.iterations,
    converged: fit.converged,
    separable: fit.separable,
  };
}
