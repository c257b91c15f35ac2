import { calibrate, coverage, meanSetSize } from '@uqjs/conformal';
import { deriveSeed, InvalidArgumentError, Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { summarize } from '../src/analysis.js';
import { parseBenchArgs } from '../src/args.js';
import { CONFORMAL_METHODS, type Grid, type Protocol } from '../src/config.js';
import { conformalScores } from '../src/conformal-sets.js';
import type { HostProbs } from '../src/post-hoc.js';
import { presetDefaults } from '../src/presets.js';
import type { ConformalScores, RunRecord } from '../src/record.js';
import { describeProtocol, renderReport, renderTables } from '../src/report.js';
import { fakeRecord } from './fixtures.js';

/**
 * `n` examples of `k` classes: a model's probabilities `softmax(z)` with random logits, and
 * labels drawn from `softmax(z / 2)` (so the model is over-confident, which conformal sets do
 * not mind). Every row is drawn alike, so two calls are exchangeable samples.
 */
function draws(n: number, k: number, seed: number) {
  const rng = new Rng(seed);
  const data = new Float64Array(n * k);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, () => 2 * rng.normal());
    const softmax = (scale: number) => {
      const e = z.map((v) => Math.exp(scale * v - Math.max(...z.map((w) => scale * w))));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    };
    softmax(1).forEach((p, j) => {
      data[i * k + j] = p;
    });
    const truth = softmax(0.5);
    let u = rng.uniform();
    let label = 0;
    while (label < k - 1 && u >= (truth[label] as number)) {
      u -= truth[label] as number;
      label++;
    }
    labels[i] = label;
  }
  return { probs: { data, numClasses: k } as HostProbs, labels };
}

describe('conformalScores', () => {
  const k = 5;
  const nVal = 2000;
  const nTest = 4000;
  const validation = draws(nVal, k, 1);
  const test = draws(nTest, k, 2);
  const alpha = 0.1;

  it.each(
    CONFORMAL_METHODS,
  )('%s covers 1 - alpha of exchangeable test examples', async (method) => {
    const scores = (await conformalScores({ methods: [method], alpha }, validation, test, 7))[
      method
    ] as ConformalScores;
    // Given the validation set, a test example is covered with probability C ~ Beta(n + 1 - l, l),
    // l = floor((n + 1) alpha), mean in [1 - alpha, 1 - alpha + 1/(n + 1)] and sd about
    // sqrt(alpha (1 - alpha) / (n + 2)); the test coverage adds binomial noise of sd
    // sqrt(alpha (1 - alpha) / N_test). 4 of the combined sd (0.033 here) fails by chance with
    // probability below 1e-4.
    const se = Math.sqrt((alpha * (1 - alpha)) / (nVal + 2) + (alpha * (1 - alpha)) / nTest);
    expect(Math.abs(scores.coverage - (1 - alpha))).toBeLessThan(4 * se);
    expect(scores.meanSetSize).toBeGreaterThan(1);
    expect(scores.meanSetSize).toBeLessThan(k);
    // The strata partition the test set and their coverages average to the marginal one.
    const count = scores.strata.reduce((sum, s) => sum + s.count, 0);
    expect(count).toBe(nTest);
    const covered = scores.strata.reduce((sum, s) => sum + s.count * s.coverage, 0);
    expect(covered / nTest).toBeCloseTo(scores.coverage, 12);
    const size = scores.strata.reduce((sum, s) => sum + s.count * s.size, 0);
    expect(size / nTest).toBeCloseTo(scores.meanSetSize, 12);
    const empty = scores.strata.find((s) => s.size === 0)?.count ?? 0;
    expect(scores.emptyFraction).toBe(empty / nTest);
    expect(scores.violation).toBeCloseTo(
      Math.max(...scores.strata.map((s) => Math.abs(s.coverage - (1 - alpha)))),
      12,
    );
  });

  it('gives the numbers of @uqjs/conformal called directly with the derived seed', async () => {
    const scores = await conformalScores(
      { methods: ['lac', 'aps', 'raps'], alpha: 0.2 },
      validation,
      test,
      11,
    );
    expect(Object.keys(scores)).toEqual(['lac', 'aps', 'raps']);
    for (const method of CONFORMAL_METHODS) {
      const classifier = await calibrate(validation.probs, validation.labels, {
        alpha: 0.2,
        method,
        seed: deriveSeed(11, method),
      });
      const sets = await classifier.predictSets(test.probs);
      expect(scores[method]?.coverage).toBe(await coverage(sets, test.labels));
      expect(scores[method]?.meanSetSize).toBe(meanSetSize(sets));
      expect(scores[method]?.threshold).toBe(classifier.threshold);
    }
  });

  it('is the same for the same seed; randomized APS sets change with it', async () => {
    const run = (seed: number) =>
      conformalScores({ methods: ['lac', 'aps'], alpha }, validation, test, seed);
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    expect(a).toEqual(b);
    // LAC is not randomized: the seed does not enter.
    expect(c.lac).toEqual(a.lac);
    expect(c.aps?.meanSetSize).not.toBe(a.aps?.meanSetSize);
  });

  it('counts the sets of a hand-made LAC example', async () => {
    // Validation labels are class 0 with p_0 = 0.9, 0.8, ..., 0.3: LAC scores 1 - p_0 =
    // 0.1, ..., 0.7. n = 9, alpha = 0.2: qhat is the ceil(10 * 0.8) = 8th smallest, 1 - 0.35,
    // so a test set holds the classes with p >= 0.35.
    const p0 = [0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3];
    const cal: HostProbs = {
      data: Float64Array.from(p0.flatMap((p) => [p, (1 - p) / 2, (1 - p) / 2])),
      numClasses: 3,
    };
    const rows = [
      [0.5, 0.3, 0.2], // {0}, label 0: covered
      [0.4, 0.35, 0.25], // {0, 1}, label 1: covered
      [0.34, 0.33, 0.33], // {}, label 2: not covered
      [0.6, 0.36, 0.04], // {0, 1}, label 1: covered
    ];
    const scores = (
      await conformalScores(
        { methods: ['lac'], alpha: 0.2 },
        { probs: cal, labels: new Int32Array(9) },
        {
          probs: { data: Float64Array.from(rows.flat()), numClasses: 3 },
          labels: Int32Array.from([0, 1, 2, 1]),
        },
        0,
      )
    ).lac as ConformalScores;
    expect(scores.threshold).toBe(1 - 0.35);
    expect(scores.coverage).toBe(3 / 4);
    expect(scores.meanSetSize).toBe((1 + 2 + 0 + 2) / 4);
    expect(scores.emptyFraction).toBe(1 / 4);
    expect(scores.strata).toEqual([
      { size: 0, count: 1, coverage: 0 },
      { size: 1, count: 1, coverage: 1 },
      { size: 2, count: 2, coverage: 1 },
    ]);
    // |0 - 0.8| for the empty set, |1 - 0.8| for the others.
    expect(scores.violation).toBeCloseTo(0.8, 12);
  });
});

describe('--conformal and --conformal-alpha', () => {
  const run = (argv: string[]) => {
    const command = parseBenchArgs(['moons', ...argv]);
    if (command.kind !== 'run') throw new Error('not a run');
    return command.config.protocol;
  };

  it('puts the score functions in CONFORMAL_METHODS order and alpha 0.1 into the protocol', () => {
    expect(run(['--conformal', 'raps,lac']).conformal).toEqual({
      methods: ['lac', 'raps'],
      alpha: 0.1,
    });
    expect(run(['--conformal', 'aps', '--conformal-alpha', '0.05']).conformal).toEqual({
      methods: ['aps'],
      alpha: 0.05,
    });
  });

  it('leaves the protocol without the field when not given', () => {
    expect('conformal' in run([])).toBe(false);
  });

  it.each([
    [['--conformal', 'lac,thps'], /--conformal must be one of lac, aps, raps.*got "thps"/],
    [['--conformal', 'lac,lac'], /--conformal must be a list without duplicates/],
    [['--conformal', ''], /--conformal must be a non-empty comma-separated list/],
    [
      ['--conformal', 'lac', '--conformal-alpha', '0'],
      /--conformal-alpha must be a number in \(0, 1\).*got "0"/,
    ],
    [
      ['--conformal', 'lac', '--conformal-alpha', '1'],
      /--conformal-alpha must be a number in \(0, 1\)/,
    ],
    [
      ['--conformal', 'lac', '--conformal-alpha', 'tenth'],
      /--conformal-alpha must be a number in \(0, 1\)/,
    ],
    [
      ['--conformal', 'lac', '--conformal-alpha', ''],
      /--conformal-alpha must be a number in \(0, 1\)/,
    ],
    [['--conformal-alpha', '0.1'], /--conformal-alpha must be given with --conformal/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => run(argv)).toThrow(InvalidArgumentError);
    expect(() => run(argv)).toThrow(message);
  });
});

describe('conformal summary and report', () => {
  const base: Protocol = presetDefaults('quick', 'moons').protocol;
  const protocol: Protocol = { ...base, conformal: { methods: ['lac', 'aps'], alpha: 0.1 } };
  const grid: Grid = {
    methods: ['homoscedastic', 'tempered-softmax'],
    temperatures: [1],
    trainSamples: [1],
    seeds: [0, 1, 2],
  };
  const sets = (coverage: number, meanSetSize: number): ConformalScores => ({
    coverage,
    meanSetSize,
    emptyFraction: 0,
    threshold: 0.5,
    strata: [{ size: 1, count: 10, coverage }],
    violation: Math.abs(coverage - 0.9),
  });
  const lacCoverage = [0.9, 0.92, 0.88];
  const records: RunRecord[] = [0, 1, 2].map((seed) => ({
    ...fakeRecord({ method: 'homoscedastic', temperature: null, trainSamples: null, seed }, 0.5),
    conformal: { lac: sets(lacCoverage[seed] as number, 1 + seed / 10), aps: sets(0.95, 2) },
  }));

  it('has a row per arm and score function with the mean and sd over seeds, aliases left out', () => {
    const summary = summarize(records, protocol, grid);
    expect(summary.arms.map((a) => a.key)).toContain('tempered-softmax/tau=1');
    const rows = summary.conformal?.rows ?? [];
    expect(rows.map((r) => `${r.key} ${r.method} ${r.seeds.join(',')}`)).toEqual([
      'homoscedastic lac 0,1,2',
      'homoscedastic aps 0,1,2',
    ]);
    // Coverage 0.90, 0.92, 0.88: mean 0.9, sample sd 0.02; set sizes 1.0, 1.1, 1.2: mean 1.1.
    expect(rows[0]?.coverage.mean).toBeCloseTo(0.9, 12);
    expect(rows[0]?.coverage.std).toBeCloseTo(0.02, 12);
    expect(rows[0]?.meanSetSize.mean).toBeCloseTo(1.1, 12);
    expect(rows[1]?.coverage.std).toBeCloseTo(0, 12);
    expect(summary.conformal?.alpha).toBe(0.1);
  });

  it('counts the arms below the target, and those more than 2 standard errors below it', () => {
    // lac: 0.89, 0.95, 0.83: mean 0.89, sd 0.06, 2 sd / sqrt 3 = 0.069 > 0.01: below, not clearly.
    // aps: 0.80, 0.81, 0.79: mean 0.80, sd 0.01, 2 sd / sqrt 3 = 0.012 < 0.1: clearly below.
    const lac = [0.89, 0.95, 0.83];
    const aps = [0.8, 0.81, 0.79];
    const low = records.map((record, seed) => ({
      ...record,
      conformal: { lac: sets(lac[seed] as number, 1), aps: sets(aps[seed] as number, 1) },
    }));
    const tables = renderTables(summarize(low, protocol, grid)).join('\n');
    expect(tables).toContain(
      '- conformal lac: mean test coverage 0.8900 to 0.8900 over 1 arm (target 0.9; below it on 1, by more than 2 standard errors of the mean over seeds on 0)',
    );
    expect(tables).toContain(
      '- conformal aps: mean test coverage 0.8000 to 0.8000 over 1 arm (target 0.9; below it on 1, by more than 2 standard errors of the mean over seeds on 1)',
    );
  });

  it('reports the table with the target, a line per score function, and nothing without the flag', () => {
    const summary = summarize(records, protocol, grid);
    const tables = renderTables(summary).join('\n');
    expect(tables).toContain('### Conformal prediction sets (alpha 0.1: target coverage 0.9;');
    expect(tables).toMatch(
      /\| homoscedastic \| lac \| 3 \| 0\.9000 ± 0\.0200 \| 1\.100 ± 0\.100 \| 0\.0000 ± 0\.0000 \| /,
    );
    expect(tables).toContain(
      '- conformal lac: mean test coverage 0.9000 to 0.9000 over 1 arm (target 0.9; below it on 0, by more than 2 standard errors of the mean over seeds on 0), mean set size 1.100 to 1.100.',
    );
    expect(tables).toContain('- conformal aps: mean test coverage 0.9500 to 0.9500');
    expect(describeProtocol(protocol)).toMatch(
      /; conformal prediction sets lac, aps at alpha 0\.1 \(target coverage 0\.9\), calibrated on each run's validation predictions\.$/,
    );
    // Both optional clauses together, each as it reads alone.
    expect(describeProtocol({ ...protocol, calibrators: ['temperature'] })).toMatch(
      /; post-hoc calibrators temperature, fitted on each run's validation predictions; conformal prediction sets lac, aps at/,
    );
    const plain = summarize(
      records.map(({ conformal: _c, ...rest }) => rest),
      base,
      grid,
    );
    expect('conformal' in plain).toBe(false);
    const report = renderReport(plain, { plots: [], missingCells: 0 });
    expect(report).not.toContain('onformal');
    // The same report as the summary of the same runs that never had conformal scores.
    expect(report).toBe(
      renderReport(summarize(records, base, grid), { plots: [], missingCells: 0 }),
    );
  });
});
