import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import type { ClassificationResult, RegressionResult } from '../src/protocol.js';
import { type RunHooks, runPlayground } from '../src/run.js';
import { DEFAULT_SETTINGS, type Settings } from '../src/settings.js';

const quiet = (stopAfter = Number.POSITIVE_INFINITY): RunHooks => {
  let done = 0;
  return {
    progress: (d) => {
      done = d;
    },
    stopRequested: () => done >= stopAfter,
    evaluating() {},
  };
};

const settings = (over: Partial<Settings>): Settings => ({
  ...DEFAULT_SETTINGS,
  hidden: 16,
  gridSize: 16,
  ...over,
});

describe('runPlayground', () => {
  test('the same settings give the same run; another seed gives another one', async () => {
    const s = settings({ method: 'mc-dropout', epochs: 2, mcSamples: 4 });
    const before = tf.memory().numTensors;
    const a = (await runPlayground(s, quiet())).result as ClassificationResult;
    const b = (await runPlayground(s, quiet())).result as ClassificationResult;
    const c = (await runPlayground({ ...s, seed: 1 }, quiet())).result as ClassificationResult;
    expect(tf.memory().numTensors).toBe(before);
    expect(b.total).toEqual(a.total);
    expect(b.probs).toEqual(a.probs);
    expect(b.summary).toEqual(a.summary);
    expect(c.total).not.toEqual(a.total);
  });

  test('draws a model stopped early, but not a half-trained ensemble', async () => {
    const single = await runPlayground(settings({ method: 'deterministic', epochs: 50 }), quiet(1));
    expect(single).toMatchObject({ epochsDone: 1, stopped: true });
    expect(single.result?.kind).toBe('classification');
    const ensemble = await runPlayground(
      settings({ method: 'ensemble', epochs: 50, ensembleSize: 2 }),
      quiet(1),
    );
    expect(ensemble).toMatchObject({ epochsDone: 1, stopped: true, result: null });
  });

  test('regression: a deep ensemble is more unsure outside the data than inside', async () => {
    const outcome = await runPlayground(
      settings({ dataset: 'cubic', method: 'ensemble', epochs: 150, ensembleSize: 3 }),
      quiet(),
    );
    const result = outcome.result as RegressionResult;
    expect(result.xs.length).toBe(241);
    expect(result.xs[0]).toBe(-6);
    expect(result.xs[240]).toBe(6);
    // The members agree where they saw data and extrapolate x^3 differently beyond it.
    expect(result.summary.outside.epistemic).toBeGreaterThan(1.5 * result.summary.inside.epistemic);
    // Inside the data the mean tracks x^3 to within a few noise sds (noise sd 3).
    expect(result.rmseInside).toBeLessThan(4 * result.noiseStd);
  });

  test.each([
    'mimo',
    'kfold',
    'rank1',
  ] as const)('%s on the moons: learns, and its members disagree off the data, not on it', async (method) => {
    const s = settings({ method, ensembleSize: 3, mcSamples: 10 });
    const outcome = await runPlayground(s, quiet());
    const result = outcome.result as ClassificationResult;
    expect(outcome.stopped).toBe(false);
    expect(result.heldOut.accuracy).toBeGreaterThan(0.95);
    // Mutual information between label and member: near 0 on the training points (every
    // member fits them), and somewhere on the grid (where the data leaves the boundary open)
    // over 10 times that and over 0.1 nats (seed 0, 16 hidden units, 16 x 16 grid: 0.013 on
    // the training points and 0.64 at most on the grid for MIMO, 0.005 and 0.64 for k-fold;
    // 10 draws of 3 rank-1 members: 0.007 and 0.63).
    const offData = Math.max(...result.epistemic);
    expect(offData).toBeGreaterThan(0.1);
    expect(offData).toBeGreaterThan(10 * result.summary.train.epistemic);
    // Seeded: the same settings give the same surfaces.
    const again = (await runPlayground(s, quiet())).result as ClassificationResult;
    expect(again.probs).toEqual(result.probs);
    expect(again.epistemic).toEqual(result.epistemic);
  });

  test.each([
    'mimo',
    'kfold',
  ] as const)('regression: %s is more unsure outside the data than inside, and seeded', async (method) => {
    const s = settings({ dataset: 'cubic', method, epochs: 400, ensembleSize: 3 });
    const result = (await runPlayground(s, quiet())).result as RegressionResult;
    // The members fit the data alike and extrapolate x^3 differently beyond it (seed 0, 16
    // hidden units, 3 members: epistemic sd 2.1 inside and 6.9 outside for MIMO, 4.1 and 20
    // for k-fold; RMSE 7.5 and 7.0).
    expect(result.summary.outside.epistemic).toBeGreaterThan(2 * result.summary.inside.epistemic);
    // Inside the data the mean tracks x^3 to within a few noise sds (noise sd 3).
    expect(result.rmseInside).toBeLessThan(4 * result.noiseStd);
    const again = (await runPlayground(s, quiet())).result as RegressionResult;
    expect(again.mean).toEqual(result.mean);
    expect(again.epistemic).toEqual(result.epistemic);
  });
});
