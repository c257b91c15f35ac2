import { calibrate, coverage, meanSetSize, sizeStratifiedCoverage } from '@uqjs/conformal';
import { deriveSeed } from '@uqjs/core';
import type { ConformalMethodName, ConformalProtocol } from './config.js';
import type { HostProbs } from './post-hoc.js';
import type { ConformalScores } from './record.js';

/**
 * Split-conformal prediction sets of a cell (`--conformal`): each score function is calibrated
 * (`@uqjs/conformal`'s `calibrate`) on the validation predictions of the best checkpoint and
 * its sets for the test predictions are scored. Validation is never trained on, so when it is
 * exchangeable with test the sets cover the test labels with probability at least `1 - alpha`.
 *
 * Legend: `N` examples, `K` classes.
 */

/**
 * Test scores of the prediction sets of each score function of `conformal`, calibrated on the
 * validation probabilities `[N_val, K]` and labels `[N_val]` and applied to the test
 * probabilities `[N_test, K]`; keyed by score function, in the order given. `aps` and `raps`
 * are randomized (`@uqjs/conformal`'s defaults, RAPS with `lambda = 0.01`, `kReg = 1`), their
 * uniforms drawn from `deriveSeed(seed, method)`.
 *
 * @example
 * ```ts
 * const scores = await conformalScores(
 *   { methods: ['lac', 'aps'], alpha: 0.1 },
 *   { probs: validationProbs, labels: validationLabels },
 *   { probs: testProbs, labels: testLabels },
 *   seed,
 * );
 * scores.lac?.coverage; // about 0.9 or more
 * ```
 *
 * @since 0.1.0
 */
export async function conformalScores(
  conformal: ConformalProtocol,
  validation: { readonly probs: HostProbs; readonly labels: Int32Array },
  test: { readonly probs: HostProbs; readonly labels: Int32Array },
  seed: number,
): Promise<Partial<Record<ConformalMethodName, ConformalScores>>> {
  const { alpha } = conformal;
  const scores: Partial<Record<ConformalMethodName, ConformalScores>> = {};
  for (const method of conformal.methods) {
    const classifier = await calibrate(validation.probs, validation.labels, {
      alpha,
      method,
      seed: deriveSeed(seed, method),
    });
    const sets = await classifier.predictSets(test.probs);
    const stratified = await sizeStratifiedCoverage(sets, test.labels, { alpha });
    scores[method] = {
      coverage: await coverage(sets, test.labels),
      meanSetSize: meanSetSize(sets),
      emptyFraction: sets.filter((set) => set.length === 0).length / sets.length,
      threshold: classifier.threshold,
      strata: stratified.strata,
      violation: stratified.violation as number,
    };
  }
  return scores;
}
