import { describe, expect, it } from 'vitest';
import { summarize } from '../src/analysis.js';
import { type Grid, METHOD_NAMES, type MethodName, type Protocol } from '../src/config.js';
import { methodTraits } from '../src/method-traits.js';
import { presetDefaults } from '../src/presets.js';
import type { RunRecord } from '../src/record.js';
import { renderTables } from '../src/report.js';
import { fakeRecord } from './fixtures.js';

const protocol: Protocol = presetDefaults('quick', 'mnist').protocol;
const grid: Grid = {
  methods: ['homoscedastic', 'heteroscedastic', 'tempered-softmax'],
  temperatures: [1, 10],
  trainSamples: [100],
  seeds: [0, 1, 2, 3, 4],
};

const seeds = [0, 1, 2, 3, 4];
const homo = [1.0, 1.1, 0.9, 1.05, 0.95];
const heteroAt1 = [0.01, 0.0, 0.02, -0.01, 0.01]; // test NLL minus homoscedastic
const heteroAt10 = [-0.03, -0.02, -0.04, -0.01, -0.03];
const temperedAt10 = [-0.02, -0.02, -0.01, 0.0, -0.02];
// Validation NLL: tau = 10 is lower for every seed but seed 3.
const validationAt1 = [0.9, 0.9, 0.9, 0.7, 0.9];
const validationAt10 = [0.8, 0.8, 0.8, 0.8, 0.8];

function records(): RunRecord[] {
  return seeds.flatMap((seed) => [
    fakeRecord(
      { method: 'homoscedastic', temperature: null, trainSamples: null, seed },
      homo[seed]!,
      1,
    ),
    fakeRecord(
      { method: 'heteroscedastic', temperature: 1, trainSamples: 100, seed },
      homo[seed]! + heteroAt1[seed]!,
      validationAt1[seed],
    ),
    fakeRecord(
      { method: 'heteroscedastic', temperature: 10, trainSamples: 100, seed },
      homo[seed]! + heteroAt10[seed]!,
      validationAt10[seed],
      { accuracy: 0.81 },
    ),
    fakeRecord(
      { method: 'tempered-softmax', temperature: 10, trainSamples: null, seed },
      homo[seed]! + temperedAt10[seed]!,
      0.95,
    ),
  ]);
}

/** Two-tailed p-value of Student's t with 4 degrees of freedom, from its closed-form CDF. */
function pValueDf4(t: number): number {
  const a = Math.abs(t);
  const u = a / Math.sqrt(1 + (a * a) / 4);
  const cdf = 0.5 + (3 / 8) * u * (1 - (u * u) / 12);
  return 2 * (1 - cdf);
}

function independentT(d: readonly number[]) {
  const n = d.length;
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  return { mean, sd, t: mean / (sd / Math.sqrt(n)) };
}

describe('summarize', () => {
  const summary = summarize(records(), protocol, grid);

  it('picks tau* on mean validation NLL, and per seed', () => {
    const hetero = summary.selections.find((s) => s.method === 'heteroscedastic');
    expect(hetero).toMatchObject({ trainSamples: 100, temperatures: [1, 10], tauStar: 10 });
    expect(hetero?.validationNll[0]).toBeCloseTo(0.86, 12); // mean of validationAt1
    expect(hetero?.perSeed).toEqual([
      { seed: 0, tauStar: 10 },
      { seed: 1, tauStar: 10 },
      { seed: 2, tauStar: 10 },
      { seed: 3, tauStar: 1 },
      { seed: 4, tauStar: 10 },
    ]);
    // tempered-softmax at 1 is the homoscedastic model (validation 1.0) and loses to 10 (0.95).
    const tempered = summary.selections.find((s) => s.method === 'tempered-softmax');
    expect(tempered).toMatchObject({ trainSamples: null, temperatures: [1, 10], tauStar: 10 });
  });

  it('reads tempered-softmax at tau = 1 from the homoscedastic runs', () => {
    const alias = summary.arms.find((a) => a.key === 'tempered-softmax/tau=1');
    expect(alias?.aliasOf).toBe('homoscedastic');
    expect(alias?.test.nll.mean).toBeCloseTo(1.0, 12);
    expect(summary.arms.map((a) => a.key)).toEqual([
      'homoscedastic',
      'heteroscedastic/tau=1/S=100',
      'heteroscedastic/tau=10/S=100',
      'tempered-softmax/tau=1',
      'tempered-softmax/tau=10',
    ]);
  });

  it('lists the arms in METHOD_NAMES order, methods added later after the first six', () => {
    const later = METHOD_NAMES.slice(6);
    const extra = later.map((method) =>
      fakeRecord({ method, temperature: null, trainSamples: null, seed: 0 }, 1),
    );
    const keys = summarize([...extra, ...records()], protocol, grid).arms.map((a) => a.key);
    expect(keys.slice(0, 5)).toEqual(summary.arms.map((a) => a.key));
    expect(keys.slice(5)).toEqual(later);
  });

  it('runs the paired comparisons of Table 1 and issue #14', () => {
    expect(summary.comparisons.map((c) => c.name)).toEqual([
      'heteroscedastic at tau*=10 vs homoscedastic',
      'heteroscedastic at tau*=10 vs tau=1',
      'heteroscedastic at tau*=10 vs tempered-softmax at tau*=10',
      'tempered-softmax at tau*=10 vs homoscedastic',
    ]);
    const expected = [
      heteroAt10,
      heteroAt10.map((d, i) => d - heteroAt1[i]!),
      heteroAt10.map((d, i) => d - temperedAt10[i]!),
      temperedAt10,
    ];
    summary.comparisons.forEach((comparison, i) => {
      const d = expected[i]!;
      const { mean, sd, t } = independentT(d);
      const test = comparison.tests.nll!;
      expect(comparison.n).toBe(5);
      expect(comparison.perSeed.map((p) => p.a.nll - p.b.nll)).toEqual(
        d.map((x) => expect.closeTo(x, 12) as unknown as number),
      );
      expect(test.meanDifference).toBeCloseTo(mean, 12);
      expect(test.sdDifference).toBeCloseTo(sd, 12);
      expect(test.t).toBeCloseTo(t, 9);
      expect(test.df).toBe(4);
      expect(test.pValue).toBeCloseTo(pValueDf4(t), 9);
      expect(test.wins).toBe(d.filter((x) => x < 0).length);
    });
    // Accuracy: higher is better, so 5 wins for +0.01 on every seed.
    expect(summary.comparisons[0]?.tests.accuracy?.wins).toBe(5);
    expect(summary.comparisons[0]?.tests.accuracy?.meanDifference).toBeCloseTo(0.01, 12);
  });

  it('compares heteroscedastic at tau* with the added methods: bbb, learned-confidence, het-sngp at its tau*', () => {
    const added = seeds.flatMap((seed) => [
      fakeRecord(
        { method: 'bbb', temperature: null, trainSamples: null, seed },
        homo[seed]! + 0.05,
      ),
      fakeRecord(
        { method: 'learned-confidence', temperature: null, trainSamples: null, seed },
        homo[seed]! + 0.02,
      ),
      fakeRecord(
        { method: 'het-sngp', temperature: 1, trainSamples: 100, seed },
        homo[seed]! + 0.01,
        0.85,
      ),
      fakeRecord(
        { method: 'het-sngp', temperature: 10, trainSamples: 100, seed },
        homo[seed]!,
        0.75,
      ),
    ]);
    const wider = summarize([...records(), ...added], protocol, {
      ...grid,
      methods: [...grid.methods, 'bbb', 'learned-confidence', 'het-sngp'],
    });
    const names = wider.comparisons.map((c) => c.name);
    expect(names).toContain('heteroscedastic at tau*=10 vs bbb');
    expect(names).toContain('heteroscedastic at tau*=10 vs learned-confidence');
    // het-sngp's validation NLL is lower at tau = 10 on every seed: its tau* is 10.
    const vsHetSngp = wider.comparisons.find(
      (c) => c.name === 'heteroscedastic at tau*=10 vs het-sngp at tau*=10',
    );
    expect(vsHetSngp?.perSeed.map((p) => p.a.nll - p.b.nll)).toEqual(
      heteroAt10.map((d) => expect.closeTo(d, 12) as unknown as number),
    );
  });

  it('compares heteroscedastic at tau* with every method without a temperature, in METHOD_NAMES order', () => {
    const plain = METHOD_NAMES.filter((m) => !methodTraits(m).usesTemperature);
    const added = seeds.flatMap((seed) =>
      plain
        .filter((m) => m !== 'homoscedastic')
        .map((method, i) =>
          fakeRecord({ method, temperature: null, trainSamples: null, seed }, homo[seed]! + i),
        ),
    );
    const wider = summarize([...records(), ...added], protocol, {
      ...grid,
      methods: [...new Set([...grid.methods, ...plain])],
    });
    const versus = wider.comparisons
      .map((c) => /^heteroscedastic at tau\*=10 vs (.+)$/.exec(c.name)?.[1])
      .filter((name) => name !== undefined && METHOD_NAMES.includes(name as MethodName));
    expect(versus).toEqual(plain);
    // Table 1 lists them in the same order, between the arms with a temperature.
    const rows = renderTables(wider)
      .filter((line) => line.startsWith('| ') && !line.startsWith('| model'))
      .map((line) => line.split(' | ')[0]?.slice(2));
    expect(rows.filter((label) => plain.includes(label as MethodName))).toEqual(plain);
  });

  it('pairs only the seeds both arms ran', () => {
    const partial = records().filter(
      (r) => !(r.cell.method === 'tempered-softmax' && r.cell.seed === 4),
    );
    const s = summarize(partial, protocol, grid);
    const vsTempered = s.comparisons.find((c) => c.name.includes('vs tempered-softmax'));
    expect(vsTempered?.n).toBe(4);
    expect(vsTempered?.perSeed.map((p) => p.seed)).toEqual([0, 1, 2, 3]);
  });

  it('reports no test with a single seed', () => {
    const one = summarize(
      records().filter((r) => r.cell.seed === 0),
      protocol,
      grid,
    );
    expect(one.comparisons[0]?.n).toBe(1);
    expect(one.comparisons[0]?.tests.nll).toBeNull();
    // One seed has no spread: the sd is unknown, not 0.
    expect(one.arms[0]?.test.nll).toEqual({ mean: 1, std: Number.NaN });
  });

  it('does not depend on the order of the runs', () => {
    const shuffled = records().reverse();
    expect(summarize(shuffled, protocol, grid)).toEqual(summary);
  });
});
