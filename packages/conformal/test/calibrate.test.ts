import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { calibrate, conformalRank } from '../src/index.js';
import { classificationData } from './helpers.js';

// Four calibration rows of K = 3, worked by hand below.
const probsCal = [
  [0.5, 0.3, 0.2], // y = 0: rank 1
  [0.1, 0.6, 0.3], // y = 2: rank 2 (order 1, 2, 0)
  [0.2, 0.2, 0.6], // y = 1: rank 3 (order 2, 0, 1: the tie goes to the lower index)
  [0.7, 0.2, 0.1], // y = 1: rank 2
];
const labelsCal = [0, 2, 1, 1];
const probsTest = [
  [0.25, 0.35, 0.4],
  [0.1, 0.85, 0.05],
];

describe('conformalRank', () => {
  it('is ceil((n + 1)(1 - alpha)), exact where the float product is an integer', () => {
    expect(conformalRank(4, 0.5)).toBe(3); // ceil(2.5)
    expect(conformalRank(4, 0.6)).toBe(2); // ceil(2.0), 5 * 0.4 in float64
    expect(conformalRank(9, 0.1)).toBe(9); // 10 * 0.9
    expect(conformalRank(19, 0.05)).toBe(19); // 20 * 0.95 = 19.000000000000004 in float64
    expect(conformalRank(100, 0.1)).toBe(91); // ceil(90.9)
    expect(conformalRank(999, 0.01)).toBe(990); // 1000 * 0.99
  });
});

describe('calibrate: small cases by hand', () => {
  it('lac: scores 1 - p_y = 0.5, 0.7, 0.8, 0.8', async () => {
    // alpha 0.5: k = 3, the third smallest is 0.8. alpha 0.6: k = 2 gives 0.7.
    const a = await calibrate(probsCal, labelsCal, { alpha: 0.5 });
    expect(a.method).toBe('lac');
    expect(a.threshold).toBeCloseTo(0.8, 15);
    // Test scores: 0.75, 0.65, 0.6 and 0.9, 0.15, 0.95.
    expect(await a.predictSets(probsTest)).toEqual([[0, 1, 2], [1]]);
    const b = await calibrate(probsCal, labelsCal, { alpha: 0.6 });
    expect(b.threshold).toBeCloseTo(0.7, 15);
    expect(await b.predictSets(probsTest)).toEqual([[1, 2], [1]]);
  });

  it('aps non-randomized: cumulative mass through the label = 0.5, 0.9, 1, 0.9', async () => {
    const cp = await calibrate(probsCal, labelsCal, {
      alpha: 0.5,
      method: 'aps',
      randomized: false,
    });
    expect(cp.threshold).toBeCloseTo(0.9, 15); // k = 3 of [0.5, 0.9, 0.9, 1]
    // Row 0 in order 2, 1, 0: masses 0.4, 0.75, 1. Row 1 in order 1, 0, 2: 0.85, 0.95, 1.
    expect(await cp.predictSets(probsTest)).toEqual([[1, 2], [1]]);
  });

  it('raps non-randomized (lambda 0.1, kReg 1): plus 0.1 per rank beyond the first', async () => {
    const cp = await calibrate(probsCal, labelsCal, {
      alpha: 0.5,
      method: 'raps',
      randomized: false,
      lambda: 0.1,
      kReg: 1,
    });
    // Scores 0.5, 0.9 + 0.1, 1 + 0.2, 0.9 + 0.1: the third smallest is 1.
    expect(cp.threshold).toBeCloseTo(1, 15);
    // Row 0: 0.4, 0.85, 1.2 -> {1, 2}. Row 1: 0.85, 1.05, 1.2 -> {1}.
    expect(await cp.predictSets(probsTest)).toEqual([[1, 2], [1]]);
    // kReg 3: no penalty within K = 3, the same as APS.
    const noPenalty = await calibrate(probsCal, labelsCal, {
      alpha: 0.5,
      method: 'raps',
      randomized: false,
      lambda: 0.1,
      kReg: 3,
    });
    expect(noPenalty.threshold).toBeCloseTo(0.9, 15);
  });

  it('k = n takes the largest score; a threshold below every score of a row gives an empty set', async () => {
    // n = 4 at alpha 0.2: k = ceil(4) = 4, the largest calibration score.
    const all = await calibrate(probsCal, labelsCal, { alpha: 0.2 });
    expect(all.threshold).toBeCloseTo(0.8, 15);
    // alpha 0.8: k = ceil(1) = 1, the smallest score 0.5; the row's scores are 0.66, 0.67, 0.67.
    const tight = await calibrate(probsCal, labelsCal, { alpha: 0.8 });
    expect(tight.threshold).toBeCloseTo(0.5, 15);
    expect(
      await tight.predictSets([
        [0.34, 0.33, 0.33],
        [0.6, 0.3, 0.1],
      ]),
    ).toEqual([[], [0]]);
  });
});

describe('calibrate: equivalences and randomization', () => {
  const rng = new Rng(5);
  const cal = classificationData(rng, 200, 6);
  const test = classificationData(rng, 100, 6);

  for (const randomized of [true, false]) {
    it(`raps with lambda = 0 equals aps (randomized: ${randomized})`, async () => {
      const aps = await calibrate(cal.probs, cal.labels, {
        alpha: 0.1,
        method: 'aps',
        randomized,
        seed: 3,
      });
      const raps = await calibrate(cal.probs, cal.labels, {
        alpha: 0.1,
        method: 'raps',
        randomized,
        lambda: 0,
        kReg: 0,
        seed: 3,
      });
      expect(raps.threshold).toBe(aps.threshold);
      expect(await raps.predictSets(test.probs)).toEqual(await aps.predictSets(test.probs));
    });
  }

  it('raps with a huge lambda keeps sets within the kReg unpenalized ranks', async () => {
    // Scores of ranks <= kReg are below 1, of later ranks >= 1000: with qhat < 1000 no set
    // reaches rank kReg + 1. APS at the same level has larger sets.
    const raps = await calibrate(cal.probs, cal.labels, {
      alpha: 0.4,
      method: 'raps',
      lambda: 1000,
      kReg: 2,
    });
    expect(raps.threshold).toBeLessThan(1);
    const sets = await raps.predictSets(test.probs);
    expect(Math.max(...sets.map((s) => s.length))).toBeLessThanOrEqual(2);
    const aps = await calibrate(cal.probs, cal.labels, { alpha: 0.4, method: 'aps' });
    const apsSets = await aps.predictSets(test.probs);
    expect(Math.max(...apsSets.map((s) => s.length))).toBeGreaterThan(2);
  });

  it('sets are the top-ranked classes (a prefix of the order by probability)', async () => {
    for (const method of ['lac', 'aps', 'raps'] as const) {
      const cp = await calibrate(cal.probs, cal.labels, { alpha: 0.2, method, seed: 1 });
      const sets = await cp.predictSets(test.probs);
      sets.forEach((set, i) => {
        const row = test.probs[i]!;
        const inSet = new Set(set);
        const min = Math.min(...set.map((k) => row[k]!));
        for (let k = 0; k < row.length; k++)
          if (!inSet.has(k)) expect(row[k]!).toBeLessThanOrEqual(min);
      });
    }
  });

  it('same seed, same sets; the seed changes randomized sets only', async () => {
    const a = await calibrate(cal.probs, cal.labels, { alpha: 0.1, method: 'aps', seed: 11 });
    const b = await calibrate(cal.probs, cal.labels, { alpha: 0.1, method: 'aps', seed: 11 });
    expect(b.threshold).toBe(a.threshold);
    expect(await b.predictSets(test.probs)).toEqual(await a.predictSets(test.probs));
    expect(await a.predictSets(test.probs, { seed: 1 })).toEqual(
      await a.predictSets(test.probs, { seed: 1 }),
    );
    expect(await a.predictSets(test.probs, { seed: 1 })).not.toEqual(
      await a.predictSets(test.probs, { seed: 2 }),
    );
    const c = await calibrate(cal.probs, cal.labels, { alpha: 0.1, method: 'aps', seed: 12 });
    expect(c.threshold).not.toBe(a.threshold);
    const lac = await calibrate(cal.probs, cal.labels, { alpha: 0.1, seed: 1 });
    const lac2 = await calibrate(cal.probs, cal.labels, { alpha: 0.1, seed: 2 });
    expect(lac2.threshold).toBe(lac.threshold);
    expect(lac.randomized).toBe(false);
  });
});

describe('calibrate: inputs', () => {
  it('tensors, typed arrays and nested arrays give the same result; no tensor leaks', async () => {
    const rng = new Rng(8);
    const cal = classificationData(rng, 50, 4);
    const test = classificationData(rng, 20, 4);
    const reference = await calibrate(cal.probs, cal.labels, {
      alpha: 0.2,
      method: 'aps',
      seed: 2,
    });
    const expected = await reference.predictSets(test.probs);
    const dense = {
      data: Float64Array.from(cal.probs.flat()),
      numClasses: 4,
    };
    const fromDense = await calibrate(dense, Int32Array.from(cal.labels), {
      alpha: 0.2,
      method: 'aps',
      seed: 2,
    });
    expect(fromDense.threshold).toBe(reference.threshold);
    const p = tf.tensor2d(cal.probs);
    const y = tf.tensor1d(cal.labels, 'int32');
    const q = tf.tensor2d(test.probs);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const cp = await calibrate(p, y, { alpha: 0.2, method: 'aps', seed: 2 });
      // float32 probabilities: the same sets up to rounding at the boundary (none here).
      expect(await cp.predictSets(q)).toEqual(expected);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([p, y, q]);
  });
});
