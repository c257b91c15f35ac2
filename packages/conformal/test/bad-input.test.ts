import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError, UqjsError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  calibrate,
  calibrateCqr,
  calibrateResidual,
  coverage,
  intervalCoverage,
  meanSetSize,
  sizeStratifiedCoverage,
} from '../src/index.js';

const probs = Array.from({ length: 20 }, (_, i) =>
  i % 2 === 0 ? [0.7, 0.2, 0.1] : [0.1, 0.3, 0.6],
);
const labels = Array.from({ length: 20 }, (_, i) => i % 3);

async function rejects(
  promise: Promise<unknown>,
  kind: new (...args: never[]) => Error,
  message: string | RegExp,
) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UqjsError);
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toMatch(message);
}

describe('named errors', () => {
  it('alpha outside (0, 1)', async () => {
    for (const alpha of [0, 1, -0.1, 1.5, Number.NaN, '0.1', undefined]) {
      await rejects(
        calibrate(probs, labels, { alpha } as never),
        InvalidArgumentError,
        /^calibrate: opts\.alpha must be a miscoverage level in the open interval \(0, 1\), got /,
      );
    }
    await rejects(
      calibrateResidual([1], [1], { alpha: 1 }),
      InvalidArgumentError,
      /calibrateResidual: opts\.alpha/,
    );
    await rejects(
      calibrateCqr([1], [2], [1], { alpha: 0 }),
      InvalidArgumentError,
      /calibrateCqr: opts\.alpha/,
    );
  });

  it('n too small for alpha (ceil((n + 1)(1 - alpha)) > n)', async () => {
    // alpha 0.04 needs n >= 24; 20 are given.
    await rejects(
      calibrate(probs, labels, { alpha: 0.04 }),
      InvalidArgumentError,
      'calibrate: labelsCal.length must be at least 24 calibration examples for alpha = 0.04 (ceil((n + 1)(1 - alpha)) <= n), got 20',
    );
    await expect(
      calibrate(probs.slice(0, 19), labels.slice(0, 19), { alpha: 0.05 }),
    ).resolves.toBeDefined();
    await rejects(
      calibrate(probs.slice(0, 18), labels.slice(0, 18), { alpha: 0.05 }),
      InvalidArgumentError,
      /at least 19 calibration examples/,
    );
    await rejects(
      calibrateResidual([1, 2], [1, 2], { alpha: 0.1 }),
      InvalidArgumentError,
      /targetsCal\.length/,
    );
  });

  it('labels out of range or not integers', async () => {
    await rejects(
      calibrate(probs, [...labels.slice(0, 19), 3], { alpha: 0.1 }),
      InvalidArgumentError,
      'calibrate: labelsCal[19] must be an integer class label in [0, 2], got 3',
    );
    await rejects(
      calibrate(probs, [0.5, ...labels.slice(1)], { alpha: 0.1 }),
      InvalidArgumentError,
      /labelsCal\[0\]/,
    );
    await rejects(
      calibrate(probs, labels.slice(1), { alpha: 0.1 }),
      ShapeError,
      /labelsCal must be of shape \[20\]/,
    );
    await rejects(
      coverage([[0]], [-1]),
      InvalidArgumentError,
      /coverage: labels\[0\] must be an integer >= 0/,
    );
  });

  it('NaN anywhere', async () => {
    const bad = probs.map((row) => [...row]);
    bad[3]![1] = Number.NaN;
    await rejects(
      calibrate(bad, labels, { alpha: 0.1 }),
      InvalidArgumentError,
      /probsCal\[3\]\[1\] must be a probability/,
    );
    await rejects(
      calibrate(probs, [Number.NaN, ...labels.slice(1)], { alpha: 0.1 }),
      InvalidArgumentError,
      /labelsCal\[0\] must be finite/,
    );
    await rejects(
      calibrateResidual([0, Number.NaN, 1, 2, 3], [0, 1, 2, 3, 4], { alpha: 0.5 }),
      InvalidArgumentError,
      /predictionsCal\[1\] must be finite, got NaN/,
    );
    const cp = await calibrateResidual([0, 1, 2, 3, 4], [0, 1, 2, 3, 4], { alpha: 0.5 });
    await rejects(
      cp.predictIntervals([Number.NaN]),
      InvalidArgumentError,
      /predictIntervals: predictions\[0\]/,
    );
    await rejects(
      intervalCoverage({ lower: [0], upper: [1] }, [Number.NaN]),
      InvalidArgumentError,
      /intervalCoverage: targets\[0\] must be finite/,
    );
  });

  it('shapes, probabilities and options', async () => {
    await rejects(
      calibrate([[0.5, 0.6]], [0], { alpha: 0.5 }),
      InvalidArgumentError,
      /probsCal\[0\] must be a row summing to 1/,
    );
    await rejects(calibrate([[1]], [0], { alpha: 0.5 }), ShapeError, /K >= 2/);
    await rejects(
      calibrate(probs, labels, { alpha: 0.1, method: 'thr' } as never),
      InvalidArgumentError,
      /opts\.method must be one of 'lac', 'aps', 'raps'/,
    );
    await rejects(
      calibrate(probs, labels, { alpha: 0.1, method: 'aps', lambda: 1 }),
      InvalidArgumentError,
      /used only with method 'raps'/,
    );
    await rejects(
      calibrate(probs, labels, { alpha: 0.1, method: 'raps', lambda: -1 }),
      InvalidArgumentError,
      /opts\.lambda must be a finite number >= 0/,
    );
    await rejects(
      calibrate(probs, labels, { alpha: 0.1, method: 'raps', kReg: 1.5 }),
      InvalidArgumentError,
      /opts\.kReg must be an integer >= 0/,
    );
    await rejects(
      calibrate(probs, labels, { alpha: 0.1, seed: -1 }),
      InvalidArgumentError,
      /opts\.seed/,
    );
    await rejects(
      calibrate(probs, labels, null as never),
      InvalidArgumentError,
      /calibrate: opts must be an options object, got null/,
    );
    const t = tf.tensor3d([[[0.5, 0.5]]]);
    // A tensor is no options object (it passed the old check and read as alpha undefined).
    await rejects(
      calibrate(probs, labels, t as never),
      InvalidArgumentError,
      /^calibrate: opts must be an options object, got /,
    );
    await rejects(
      calibrate(t as never, [0], { alpha: 0.5 }),
      ShapeError,
      /probsCal must be of rank 2/,
    );
    t.dispose();
    const cp = await calibrate(probs, labels, { alpha: 0.1 });
    await rejects(
      cp.predictSets([[0.5, 0.5]]),
      ShapeError,
      /predictSets: probs must be of shape \[N, 3\]/,
    );
    await rejects(
      calibrateCqr([0, 1], [1], [0, 1], { alpha: 0.5 }),
      ShapeError,
      /upperCal must be of shape \[2\]/,
    );
    expect(() => meanSetSize([])).toThrow(/meanSetSize: sets must be a non-empty array/);
    expect(() => meanSetSize([[0, 1.5]])).toThrow(/sets\[0\]\[1\] must be an integer >= 0/);
    await rejects(
      sizeStratifiedCoverage([[0]], [0], { alpha: 2 }),
      InvalidArgumentError,
      /sizeStratifiedCoverage: opts\.alpha/,
    );
    await rejects(
      coverage([[0], [1]], [0]),
      ShapeError,
      /coverage: labels must be of shape \[2\] \(one per set\)/,
    );
  });
});
