import { InvalidArgumentError, Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { summarize } from '../src/analysis.js';
import { parseBenchArgs } from '../src/args.js';
import { CALIBRATORS, type CalibratorName, type Grid, type Protocol } from '../src/config.js';
import { scoreProbs } from '../src/evaluate.js';
import { calibratedScores, fitCalibrator, type HostProbs } from '../src/post-hoc.js';
import { presetDefaults } from '../src/presets.js';
import type { RunRecord, SplitMetrics } from '../src/record.js';
import { renderReport, renderTables } from '../src/report.js';
import { fakeRecord } from './fixtures.js';

/** Row-wise softmax of `scale * z` for `[N, K]` logits `z`, as float32 (as hostProbs reads them). */
function softmaxOf(z: Float64Array, k: number, scale: number): HostProbs {
  const out = new Float32Array(z.length);
  for (let i = 0; i < z.length; i += k) {
    const row = Array.from(z.subarray(i, i + k), (v) => scale * v);
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => {
      out[i + j] = v / sum;
    });
  }
  return { data: out, numClasses: k };
}

/**
 * `n` examples of `k` classes whose labels are drawn from `softmax(z)` (so `softmax(z)` is
 * calibrated) and a model that reports `softmax(4 z)`: over-confident, as a network trained to
 * a small training loss is.
 */
function overConfident(n: number, k: number, seed: number) {
  const rng = new Rng(seed);
  const z = Float64Array.from({ length: n * k }, () => 1.5 * rng.normal());
  const truth = softmaxOf(z, k, 1);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let label = 0;
    while (label < k - 1 && u >= (truth.data[i * k + label] as number)) {
      u -= truth.data[i * k + label] as number;
      label++;
    }
    labels[i] = label;
  }
  return { truth, reported: softmaxOf(z, k, 4), labels };
}

describe('fitCalibrator', () => {
  const k = 3;
  const validation = overConfident(4000, k, 1);
  const test = overConfident(4000, k, 2);

  it.each(CALIBRATORS)('%s lowers the test ECE of an over-confident model', async (name) => {
    const calibrate = await fitCalibrator(name, validation.reported, validation.labels);
    const after = await calibrate(test.reported);
    const before = scoreProbs(test.reported, test.labels);
    const scores = scoreProbs(after, test.labels);
    // softmax(4z) against labels from softmax(z): ECE about 0.2. A calibrated predictor's ECE
    // on 4000 examples in 15 bins is sampling noise, a few 0.01 (the true probabilities score
    // `truthEce` below); 0.05 leaves room for the fit's own error on 4000 validation examples.
    expect(before.ece).toBeGreaterThan(0.15);
    expect(scores.ece).toBeLessThan(0.05);
    expect(scores.nll).toBeLessThan(before.nll);
    // Rows stay distributions.
    let worst = 0;
    for (let i = 0; i < after.data.length; i += k) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += after.data[i + j] as number;
      worst = Math.max(worst, Math.abs(sum - 1));
    }
    expect(worst).toBeLessThan(1e-9);
  });

  it('the true probabilities score an ECE of sampling noise only (the bound above)', () => {
    expect(scoreProbs(test.truth, test.labels).ece).toBeLessThan(0.03);
  });

  it('temperature scaling undoes softmax(4 z): the calibrated rows are softmax(z)', async () => {
    const calibrate = await fitCalibrator('temperature', validation.reported, validation.labels);
    const after = await calibrate(test.reported);
    // log softmax(4z) / T = (4 / T) z - c: with T -> 4 the rows are softmax(z). The NLL-fitted T
    // on 4000 examples is within a few percent of 4, which moves a probability by at most
    // |dp/dT| ~ 0.25 * |z| * 4 / T^2 * dT; 0.02 on the mean absolute difference is that margin.
    let diff = 0;
    for (let i = 0; i < after.data.length; i++) {
      diff += Math.abs((after.data[i] as number) - (test.truth.data[i] as number));
    }
    expect(diff / after.data.length).toBeLessThan(0.02);
  });

  it('takes probabilities that underflowed to 0 (their log is floored at 1e-12)', async () => {
    const probs: HostProbs = { data: new Float32Array([1, 0, 0, 1, 0.9, 0.1]), numClasses: 2 };
    const labels = new Int32Array([0, 0, 1]);
    const calibrate = await fitCalibrator('temperature', probs, labels);
    const after = await calibrate(probs);
    expect(Array.from(after.data).every(Number.isFinite)).toBe(true);
  });
});

describe('calibratedScores', () => {
  it('scores the test set after each calibrator, in the order given', async () => {
    const validation = overConfident(500, 2, 3);
    const test = overConfident(500, 2, 4);
    const names: CalibratorName[] = ['histogram', 'temperature'];
    const scores = await calibratedScores(
      names,
      { probs: validation.reported, labels: validation.labels },
      { probs: test.reported, labels: test.labels },
    );
    expect(Object.keys(scores)).toEqual(names);
    for (const name of names) {
      const calibrate = await fitCalibrator(name, validation.reported, validation.labels);
      expect(scores[name]).toEqual(scoreProbs(await calibrate(test.reported), test.labels));
    }
  });
});

describe('--calibrate', () => {
  const run = (argv: string[]) => {
    const command = parseBenchArgs(['moons', ...argv]);
    if (command.kind !== 'run') throw new Error('not a run');
    return command.config.protocol;
  };

  it('puts the calibrators into the protocol in CALIBRATORS order', () => {
    expect(run(['--calibrate', 'isotonic,temperature']).calibrators).toEqual([
      'temperature',
      'isotonic',
    ]);
  });

  it('leaves the protocol without the field when not given', () => {
    expect('calibrators' in run([])).toBe(false);
  });

  it.each([
    ['temperature,bogus', /--calibrate must be one of temperature, vector, .*got "bogus"/],
    ['temperature,temperature', /--calibrate must be a list without duplicates/],
    ['', /--calibrate must be a non-empty comma-separated list/],
  ])('rejects %j naming the flag', (value, message) => {
    expect(() => run(['--calibrate', value])).toThrow(InvalidArgumentError);
    expect(() => run(['--calibrate', value])).toThrow(message);
  });
});

describe('post-hoc summary and report', () => {
  const base: Protocol = presetDefaults('quick', 'moons').protocol;
  const protocol: Protocol = { ...base, calibrators: ['temperature', 'isotonic'] };
  const grid: Grid = {
    methods: ['homoscedastic', 'tempered-softmax'],
    temperatures: [1],
    trainSamples: [1],
    seeds: [0, 1, 2],
  };
  const ece = [0.2, 0.25, 0.15];
  // ECE after temperature scaling: before minus these.
  const drop = [0.15, 0.2, 0.1];
  const after = (seed: number, value: number): SplitMetrics => ({
    nll: 0.3,
    accuracy: 0.8,
    ece: value,
    brier: 0.25 + 0.01 * seed,
  });
  const records: RunRecord[] = [0, 1, 2].map((seed) => ({
    ...fakeRecord(
      { method: 'homoscedastic', temperature: null, trainSamples: null, seed },
      0.5,
      0.5,
      { ece: ece[seed] as number },
    ),
    calibrated: {
      temperature: after(seed, (ece[seed] as number) - (drop[seed] as number)),
      isotonic: after(seed, 0.05),
    },
  }));

  it('tests after against before per arm and calibrator, leaving aliases out', () => {
    const summary = summarize(records, protocol, grid);
    // tempered-softmax at tau = 1 stands for the homoscedastic runs: not a row of its own.
    expect(summary.arms.map((a) => a.key)).toContain('tempered-softmax/tau=1');
    const rows = summary.postHoc?.rows ?? [];
    expect(rows.map((r) => `${r.key} ${r.calibrator}`)).toEqual([
      'homoscedastic temperature',
      'homoscedastic isotonic',
    ]);
    const temperature = rows[0];
    // Differences after - before = -drop: mean -0.15, sd 0.05, t = -0.15 / (0.05 / sqrt 3).
    expect(temperature?.tests.ece?.meanDifference).toBeCloseTo(-0.15, 12);
    expect(temperature?.tests.ece?.sdDifference).toBeCloseTo(0.05, 12);
    expect(temperature?.tests.ece?.t).toBeCloseTo(-0.15 / (0.05 / Math.sqrt(3)), 9);
    expect(temperature?.tests.ece?.wins).toBe(3);
    expect(temperature?.before.ece.mean).toBeCloseTo(0.2, 12);
    expect(temperature?.after.ece.mean).toBeCloseTo(0.05, 12);
    // Holm over the two ECE tests of the table: the larger p is kept, the smaller doubled (at most).
    const p = rows.map((r) => r.tests.ece?.pValue as number);
    const adjusted = rows.map((r) => r.tests.ece?.pAdjusted as number);
    const [lo, hi] = (p[0] as number) < (p[1] as number) ? [0, 1] : [1, 0];
    expect(adjusted[lo]).toBeCloseTo(Math.min(1, 2 * (p[lo] as number)), 12);
    expect(adjusted[hi]).toBeCloseTo(Math.max(adjusted[lo] as number, p[hi] as number), 12);
    expect(summary.postHoc?.family.size).toEqual({ ece: 2, nll: 2, brier: 2 });
  });

  it('reports the table with the calibrators, and nothing of it without them', () => {
    const summary = summarize(records, protocol, grid);
    const tables = renderTables(summary).join('\n');
    expect(tables).toContain('### Post-hoc calibration');
    expect(tables).toMatch(/\| homoscedastic \| temperature \| 3 \| 0\.2000 \| 0\.0500 \| /);
    const full = renderReport(summary, { plots: [], missingCells: 0 });
    expect(full).toContain('post-hoc calibrators temperature, isotonic, fitted on each run');
    // isotonic: ECE 0.05 after on every seed, against 0.2, 0.25, 0.15 before: t = -5.2 on 2
    // degrees of freedom, p = 0.035, as temperature's; Holm over the two: 0.07, not below 0.05.
    expect(full).toMatch(
      /- post-hoc isotonic \(fitted on validation\): lowers the mean test ECE of 1 of 1 arm \(significantly on [01]\)/,
    );
    const plain = summarize(
      records.map(({ calibrated: _c, ...rest }) => rest),
      base,
      grid,
    );
    expect('postHoc' in plain).toBe(false);
    const report = renderReport(plain, { plots: [], missingCells: 0 });
    expect(report).not.toContain('Post-hoc');
    // The same report as the summary of the same runs that never had calibrated scores.
    expect(report).toBe(
      renderReport(summarize(records, base, grid), { plots: [], missingCells: 0 }),
    );
  });
});
