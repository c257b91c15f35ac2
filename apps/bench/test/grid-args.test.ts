import { describe, expect, it } from 'vitest';
import { gridArgs, quickGridArgs, relative, TINY } from './grid-args.js';

describe('gridArgs and quickGridArgs, the flags of the e2e tests', () => {
  it('writes the tiny defaults, overrides them in place and appends the rest, `true` alone', () => {
    expect(gridArgs('moons', {})).toEqual([
      'moons',
      ...Object.entries(TINY).flatMap(([k, v]) => [`--${k}`, String(v)]),
    ]);
    expect(gridArgs('moons', { epochs: 3, yes: true, methods: 'bbb' })).toEqual([
      'moons',
      '--model',
      'tiny',
      '--seeds',
      '1',
      '--epochs',
      '3',
      '--workers',
      '1',
      '--yes',
      '--methods',
      'bbb',
    ]);
  });

  it('adds the quick-grid flags before those of the caller', () => {
    const args = quickGridArgs('mnist', '300/100/100', { methods: 'tta', patience: 2 });
    expect(args.slice(args.indexOf('--quick'))).toEqual([
      '--quick',
      '--split',
      '300/100/100',
      '--patience',
      '2',
      '--eval-samples',
      '20',
      '--progress',
      'lines',
      '--methods',
      'tta',
    ]);
  });

  it('measures the relative difference against the second argument', () => {
    expect(relative(1.1, 1)).toBeCloseTo(0.1, 12);
    expect(relative(0, 0)).toBe(0);
    expect(relative(1e-13, 0)).toBeCloseTo(0.1, 12);
  });
});
