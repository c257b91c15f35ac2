// tau* on a common set of seeds, missing seeds reported, Holm-adjusted p-values, and the
// report's wording: single seeds, rounding, the family of tests, grid-edge warnings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holmAdjust, summarize } from '../src/analysis.js';
import type { Grid, Protocol } from '../src/config.js';
import { presetDefaults } from '../src/presets.js';
import type { RunRecord } from '../src/record.js';
import { ALPHA, formatP, renderFindings, renderReport, renderTables } from '../src/report.js';
import { fakeRecord } from './fixtures.js';

const protocol: Protocol = presetDefaults('quick', 'mnist').protocol;
const grid: Grid = {
  methods: ['homoscedastic', 'heteroscedastic'],
  temperatures: [1, 3, 10],
  trainSamples: [100],
  seeds: [0, 1, 2, 3],
};

const homo = (seed: number, nll: number, validation = nll) =>
  fakeRecord(
    { method: 'homoscedastic', temperature: null, trainSamples: null, seed },
    nll,
    validation,
  );
const hetero = (seed: number, temperature: number, nll: number, validation: number) =>
  fakeRecord({ method: 'heteroscedastic', temperature, trainSamples: 100, seed }, nll, validation);

describe('tau* over the seeds that ran every temperature', () => {
  // Seeds 0-2 ran tau = 1, 3, 10; seed 3 ran only tau = 1 and 3, with a very low validation
  // NLL at 3. Averaging each temperature over its own seeds would pick tau = 3 (mean of
  // 0.5, 0.5, 0.5, 0.1 = 0.4 < 0.45); on the common seeds 0-2, tau = 10 wins (0.45 < 0.5).
  const runs: RunRecord[] = [
    ...[0, 1, 2, 3].map((seed) => homo(seed, 1)),
    ...[0, 1, 2, 3].map((seed) => hetero(seed, 1, 0.9, 0.9)),
    ...[0, 1, 2].map((seed) => hetero(seed, 3, 0.8, 0.5)),
    hetero(3, 3, 0.8, 0.1),
    ...[0, 1, 2].map((seed) => hetero(seed, 10, 0.7 + 0.01 * seed, 0.45)),
  ];
  const summary = summarize(runs, protocol, grid);
  const selection = summary.selections.find((s) => s.method === 'heteroscedastic')!;

  it('chooses on the common seeds and reports the seed left out', () => {
    expect(selection.seeds).toEqual([0, 1, 2]);
    expect(selection.incomplete).toEqual([{ seed: 3, missing: [10] }]);
    expect(selection.validationNll).toEqual([0.9, 0.5, 0.45]);
    expect(selection.tauStar).toBe(10);
    expect(selection.perSeed.map((p) => p.seed)).toEqual([0, 1, 2]);
  });

  it('flags a tau* at the edge of the grid', () => {
    expect(selection.edge).toBe('largest');
    const findings = renderFindings(summary).join('\n');
    expect(findings).toContain('the best value tried is the largest; extend the grid upwards');
    expect(findings).toContain('left out (not run at every temperature): seed 3 (no tau=10)');
    const inside = summarize(
      runs.filter((r) => r.cell.temperature !== 10),
      protocol,
      { ...grid, temperatures: [1, 3] },
    );
    expect(inside.selections[0]?.edge).toBe('largest');
    const middle = summarize(
      [...runs.filter((r) => r.cell.seed !== 3), ...[0, 1, 2].map((s) => hetero(s, 30, 1, 2))],
      protocol,
      { ...grid, temperatures: [1, 3, 10, 30] },
    );
    expect(middle.selections[0]?.tauStar).toBe(10);
    expect(middle.selections[0]?.edge).toBeNull();
    expect(renderFindings(middle).join('\n')).not.toContain('extend the grid');
  });

  it('lists the seeds a paired test leaves out', () => {
    const vsHomo = summary.comparisons.find((c) => c.name.endsWith('vs homoscedastic'))!;
    expect(vsHomo.n).toBe(3);
    expect(vsHomo.missingSeeds).toEqual([3]);
    expect(renderFindings(summary).join('\n')).toContain('(seed 3 left out: not run by both)');
    expect(renderTables(summary).join('\n')).toMatch(
      /\| heteroscedastic at tau\*=10 vs homoscedastic \| 100 \| 3 \| 3 \|/,
    );
  });

  it("shows every seed's own choice", () => {
    const report = renderReport(summary, { plots: [], missingCells: 1 });
    expect(report).toContain("### tau* chosen on each seed's validation NLL");
    expect(report).toContain('| seed | heteroscedastic (S=100) |');
    expect(report).toContain('| 0 | 10 |');
    expect(report).toContain("the paper's protocol");
  });
});

describe('Holm adjustment', () => {
  it('matches the step-down formula', () => {
    // Sorted 0.01, 0.03, 0.04 with m = 3: 3 * 0.01, max(0.03, 2 * 0.03), max(0.06, 1 * 0.04).
    const adjusted = holmAdjust([0.01, 0.04, 0.03]);
    expect(adjusted[0]).toBeCloseTo(0.03, 15);
    expect(adjusted[1]).toBeCloseTo(0.06, 15);
    expect(adjusted[2]).toBeCloseTo(0.06, 15);
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([0.02, Number.NaN])).toEqual([0.02, Number.NaN]); // NaN is not counted
  });

  it('never lowers a p-value, keeps the order and is at most m times the raw one', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (p) => {
        const adjusted = holmAdjust(p);
        p.forEach((raw, i) => {
          expect(adjusted[i]!).toBeGreaterThanOrEqual(raw);
          expect(adjusted[i]!).toBeLessThanOrEqual(Math.min(1, raw * p.length) + 1e-15);
          p.forEach((other, j) => {
            if (raw < other) expect(adjusted[i]!).toBeLessThanOrEqual(adjusted[j]!);
          });
        });
      }),
    );
  });

  // Four comparisons with raw p below 0.05 but one of them not after adjustment.
  const seeds = [0, 1, 2, 3, 4];
  const grid3: Grid = {
    methods: ['homoscedastic', 'heteroscedastic', 'tempered-softmax'],
    temperatures: [1, 10],
    trainSamples: [100],
    seeds,
  };
  const runs: RunRecord[] = seeds.flatMap((seed) => {
    const base = [1.0, 1.1, 0.9, 1.05, 0.95][seed]!;
    return [
      homo(seed, base, 1),
      hetero(seed, 1, base - [0.05, -0.011, 0.051, -0.02, 0.038][seed]!, 0.9),
      hetero(seed, 10, base - [0.08, 0.02, 0.08, 0.01, 0.07][seed]!, 0.8),
      fakeRecord(
        { method: 'tempered-softmax', temperature: 10, trainSamples: null, seed },
        base - [0.05, 0.01, 0.04, 0.01, 0.04][seed]!,
        0.95,
      ),
    ];
  });
  const summary = summarize(runs, protocol, grid3);

  it('adjusts the p-values of all comparisons of a metric as one family', () => {
    expect(summary.family).toEqual({
      method: 'holm',
      size: { nll: 4, accuracy: 0, ece: 0, brier: 0 },
    });
    const raw = summary.comparisons.map((c) => c.tests.nll!.pValue);
    const adjusted = holmAdjust(raw);
    for (const [i, c] of summary.comparisons.entries()) {
      expect(c.tests.nll!.pAdjusted).toBe(adjusted[i]);
    }
  });

  it('calls a difference significant on the adjusted p-value', () => {
    const findings = renderFindings(summary);
    for (const [i, c] of summary.comparisons.entries()) {
      const test = c.tests.nll!;
      expect(findings.join('\n')).toContain(
        `p = ${formatP(test.pValue)} (Holm ${formatP(test.pAdjusted)})`,
      );
      const line = findings.find((f) => f.startsWith(`- ${c.name}`))!;
      expect(line, `comparison ${i}`).toContain(
        test.pAdjusted < ALPHA ? ', significant at' : ', not significant at',
      );
    }
    // The case the adjustment exists for: raw p below 5%, adjusted p above.
    const tempered = summary.comparisons.find((c) => c.name.startsWith('tempered-softmax'))!;
    expect(tempered.tests.nll!.pValue).toBeLessThan(ALPHA);
    expect(tempered.tests.nll!.pAdjusted).toBeGreaterThan(ALPHA);
    expect(findings.find((f) => f.startsWith('- tempered-softmax at'))).toContain(
      'not significant at the 5% level after Holm',
    );
  });

  it('states the family and shows raw and adjusted p-values side by side', () => {
    const report = renderReport(summary, { plots: [], missingCells: 0 });
    expect(report).toContain('The family is the 4 tests of test NLL');
    expect(report).toContain("Holm's step-down method");
    expect(report).toContain('| t | p | p (Holm) | first better |');
  });
});

describe('single seeds and rounding', () => {
  it('prints n/a for the sd of one seed, never ± 0.0000', () => {
    const one = summarize([homo(0, 1), hetero(0, 1, 0.9, 0.9), hetero(0, 10, 0.8, 0.8)], protocol, {
      ...grid,
      temperatures: [1, 10],
      seeds: [0],
    });
    const report = renderReport(one, { plots: [], missingCells: 0 });
    expect(report).toContain('| homoscedastic | 1.0000 ± n/a |');
    expect(report).not.toContain('± 0.0000');
    expect(report).toContain('1 paired seed, too few for a t-test');
    expect(report).toContain(
      'No comparison has two seeds with runs of both arms, so no test is made.',
    );
    expect(report).toContain('over 1, 10 (1 seed); chosen per seed: 10 on 1 of 1 seed');
  });

  it('rounds p-values so the printed value and the verdict agree', () => {
    expect(formatP(0.0496)).toBe('0.0496'); // not 0.050, which reads as not below 5%
    expect(formatP(0.0504)).toBe('0.050');
    expect(formatP(0.011)).toBe('0.011');
    expect(formatP(1.14e-5)).toBe('1.1e-5');
    expect(formatP(0.04999999)).toBe('0.04999999');
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (p) => {
        expect(Number(formatP(p)) < ALPHA).toBe(p < ALPHA);
      }),
      { numRuns: 5000 },
    );
  });
});
