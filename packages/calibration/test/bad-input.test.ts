import * as tf from '@tensorflow/tfjs-core';
import { DataError, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  BetaCalibration,
  crossValidateCalibration,
  HistogramBinning,
  IsotonicCalibration,
  isotonicRegression,
  MultiLabelTemperature,
  PlattScaling,
  RegressionRecalibration,
} from '../src/index.js';

const p = [0.2, 0.4, 0.6, 0.8];
const y = [0, 1, 0, 1];

async function rejects(
  promise: Promise<unknown>,
  kind: typeof InvalidArgumentError,
  message: RegExp,
) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toMatch(message);
}

describe('input errors name the argument, what was expected and what was given', () => {
  it('probabilities and labels', async () => {
    await rejects(
      HistogramBinning.fit([0.2, 1.5], [0, 1]),
      InvalidArgumentError,
      /HistogramBinning\.fit: probs\[1\] must be a probability in \[0, 1\], got 1\.5/,
    );
    await rejects(
      IsotonicCalibration.fit([[0.5, 0.6]], [0]),
      InvalidArgumentError,
      /scores\[0\] must be a row summing to 1/,
    );
    await rejects(
      PlattScaling.fit(p, [0, 1, 2, 1]),
      InvalidArgumentError,
      /labels\[2\] must be an integer class label in \[0, 1\], got 2/,
    );
    await rejects(
      BetaCalibration.fit(p, [0, 1]),
      ShapeError,
      /labels must be of shape \[4\] \(one label per row of the scores\), got \[2\]/,
    );
    await rejects(
      PlattScaling.fit([0.2, Number.NaN], [0, 1], { input: 'logits' }),
      InvalidArgumentError,
      /scores\[1\] must be finite, got NaN/,
    );
    await rejects(
      IsotonicCalibration.fit(['0.5'] as unknown as number[], [0]),
      InvalidArgumentError,
      /scores\[0\] must be a number, got "0.5"/,
    );
    await rejects(HistogramBinning.fit([], []), ShapeError, /probs must be non-empty/);
    await rejects(PlattScaling.fit([[1], [2]], [0, 0], { input: 'logits' }), ShapeError, /K >= 2/);
    const t3 = tf.zeros([2, 2, 2]);
    await rejects(
      IsotonicCalibration.fit(t3, [0, 1]),
      ShapeError,
      /scores must be an \[N\] vector or an \[N, K\] matrix/,
    );
    t3.dispose();
  });

  it('options', async () => {
    await rejects(
      HistogramBinning.fit(p, y, { bins: 0 }),
      InvalidArgumentError,
      /opts\.bins must be an integer in \[1, 10000\], got 0/,
    );
    await rejects(
      HistogramBinning.fit(p, y, { binning: 'quantile' as 'equal-mass' }),
      InvalidArgumentError,
      /opts\.binning/,
    );
    await rejects(
      PlattScaling.fit(p, y, { targets: 'soft' as 'platt' }),
      InvalidArgumentError,
      /opts\.targets/,
    );
    await rejects(
      IsotonicCalibration.fit(p, y, { weights: [1, 1, 0, 1] }),
      InvalidArgumentError,
      /opts\.weights\[2\] must be a weight > 0, got 0/,
    );
    await rejects(
      PlattScaling.fit(p, y, null as unknown as object),
      InvalidArgumentError,
      /opts must be an options object/,
    );
    await rejects(
      MultiLabelTemperature.fit([1, 2], [0, 1], { minTemperature: 2, maxTemperature: 1 }),
      InvalidArgumentError,
      /opts\.maxTemperature must be greater than opts\.minTemperature/,
    );
    expect(() => isotonicRegression([1, 2], { weights: [1] })).toThrow(
      /opts\.weights must be an array of 2 weights/,
    );
    expect(() => isotonicRegression([])).toThrow(/y must be a non-empty array/);
  });

  it('apply checks the form it was fitted on', async () => {
    const binary = await PlattScaling.fit(p, y);
    await rejects(
      binary.apply([[0.5, 0.5]]),
      ShapeError,
      /PlattScaling\.apply: scores must be an \[N\] vector \(the binary form it was fitted on\)/,
    );
    const multi = await HistogramBinning.fit(
      [
        [0.3, 0.7],
        [0.6, 0.4],
      ],
      [1, 0],
    );
    await rejects(
      multi.apply([[0.2, 0.3, 0.5]]),
      ShapeError,
      /of shape \[N, 2\] \(the classes it was fitted on\)/,
    );
    const temps = await MultiLabelTemperature.fit(
      [
        [1, 2],
        [-1, 0],
      ],
      [
        [1, 1],
        [0, 0],
      ],
    );
    await rejects(temps.apply([[1, 2, 3]]), ShapeError, /logits must be of shape \[N, 2\]/);
    await rejects(
      MultiLabelTemperature.fit([[1, 2]], [[1, 2]]),
      InvalidArgumentError,
      /labels\[0\]\[1\] must be a label in \{0, 1\}, got 2/,
    );
  });

  it('regression recalibration', async () => {
    await rejects(
      RegressionRecalibration.fit([0, 1], [1, 0], [0, 1]),
      InvalidArgumentError,
      /std\[1\] must be a standard deviation > 0, got 0/,
    );
    await rejects(
      RegressionRecalibration.fit([0, 1], [1, 1], [0]),
      ShapeError,
      /targets must be of shape \[2\]/,
    );
    const recal = await RegressionRecalibration.fit([0, 1, 2], [1, 1, 1], [0.5, 0.5, 3]);
    await rejects(
      recal.quantile([0], [1], 1),
      InvalidArgumentError,
      /level must be strictly inside \(0, 1\), got 1/,
    );
    await rejects(recal.interval([0], [1], 1.5), InvalidArgumentError, /confidence must be/);
    expect(() =>
      RegressionRecalibration.fromJSON({
        kind: 'regression-recalibration',
        x: [0, 0.5],
        y: [0.2, 0.1],
      }),
    ).toThrow(DataError);
  });

  it('cross-validation', async () => {
    const fit = (
      q: Float64Array | { data: ArrayLike<number>; numClasses: number },
      l: Int32Array,
    ) => PlattScaling.fit(q, l);
    await rejects(
      crossValidateCalibration(fit, [0.5, 0.5, 0.5], [0, 1, 0]),
      ShapeError,
      /probs must be at least 4 rows/,
    );
    await rejects(
      crossValidateCalibration(fit, p, y, { repeats: 0 }),
      InvalidArgumentError,
      /opts\.repeats/,
    );
    await rejects(
      crossValidateCalibration(fit, p, y, { seed: -1 }),
      InvalidArgumentError,
      /opts\.seed must be an integer seed/,
    );
    await rejects(
      crossValidateCalibration('isotonic' as unknown as typeof fit, p, y),
      InvalidArgumentError,
      /fit must be a function/,
    );
  });

  it('stored fits: corrupt JSON is a DataError', () => {
    expect(() => PlattScaling.fromJSON(null)).toThrow(DataError);
    expect(() =>
      PlattScaling.fromJSON({
        kind: 'platt',
        numClasses: null,
        input: 'probs',
        maps: [{ a: 'x', b: 0 }],
      }),
    ).toThrow(/maps\[0\]\.a must be a finite number/);
    expect(() =>
      IsotonicCalibration.fromJSON({
        kind: 'isotonic',
        numClasses: null,
        input: 'probs',
        maps: [{ x: [0.5, 0.2], y: [0, 1] }],
      }),
    ).toThrow(/x strictly increasing/);
    expect(() =>
      HistogramBinning.fromJSON({ kind: 'histogram-binning', numClasses: 1, maps: [] }),
    ).toThrow(/numClasses must be null or an integer >= 2/);
  });
});
