// Issue 20.10: moons label noise, URL parameters that name the bad value, the regression
// window from the data.
import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, test } from 'vitest';
import { checkSettings, DEFAULT_SETTINGS } from '../src/settings.js';
import {
  type ClassificationTask,
  flipMoonLabels,
  makeTask,
  moonFlipProbability,
} from '../src/tasks.js';
import { backendFromUrl, settingsFromUrl } from '../src/ui/form.js';
import { regressionYRange } from '../src/ui/regression-panel.js';

describe('moons label noise', () => {
  test('the flip probability ramps from 0 at x1 = -1 to labelNoise at x1 = 2', () => {
    expect(moonFlipProbability(-3, 0.4)).toBe(0);
    expect(moonFlipProbability(-1, 0.4)).toBe(0);
    expect(moonFlipProbability(0.5, 0.4)).toBeCloseTo(0.2, 12);
    expect(moonFlipProbability(2, 0.4)).toBeCloseTo(0.4, 12);
    expect(moonFlipProbability(3, 0.4)).toBeCloseTo(0.4, 12);
    expect(moonFlipProbability(1, 0)).toBe(0);
  });

  test('flips each label with its probability (binomial check), and only labels', () => {
    // 20,000 points spread evenly over x1 in [-1.5, 2.5]: the expected flips are sum_i p_i.
    const n = 20_000;
    const x = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) x[2 * i] = -1.5 + (4 * i) / (n - 1);
    const y = Int32Array.from({ length: n }, (_, i) => i % 2);
    const flipped = flipMoonLabels({ x, y, n }, 0.4, 123);
    expect(flipped.x).toBe(x);
    let expected = 0;
    let variance = 0;
    let flips = 0;
    let flipsLeft = 0;
    for (let i = 0; i < n; i++) {
      const p = moonFlipProbability(x[2 * i] as number, 0.4);
      expected += p;
      variance += p * (1 - p);
      if (flipped.y[i] !== y[i]) {
        flips++;
        if ((x[2 * i] as number) <= -1) flipsLeft++;
        expect(flipped.y[i]).toBe(1 - (y[i] as number));
      }
    }
    // Within 4 binomial standard deviations (a false alarm about once in 16,000 runs).
    expect(Math.abs(flips - expected)).toBeLessThan(4 * Math.sqrt(variance));
    expect(flipsLeft).toBe(0);
    // Seeded: the same seed flips the same labels.
    expect(flipMoonLabels({ x, y, n }, 0.4, 123).y).toEqual(flipped.y);
    expect(flipMoonLabels({ x, y, n }, 0.4, 124).y).not.toEqual(flipped.y);
  });

  test('makeTask applies it to the moons train and held-out labels, not the points', () => {
    const clean = makeTask('moons', 3) as ClassificationTask;
    const noisy = makeTask('moons', 3, 0.5) as ClassificationTask;
    expect(noisy.train.x).toEqual(clean.train.x);
    const changed = (a: Int32Array, b: Int32Array) => a.filter((v, i) => v !== b[i]).length;
    expect(changed(noisy.train.y, clean.train.y)).toBeGreaterThan(20);
    expect(changed(noisy.heldOut.y, clean.heldOut.y)).toBeGreaterThan(5);
    expect(makeTask('moons', 3, 0)).toEqual(clean);
  });

  test('checkSettings takes labelNoise in [0, 0.5]', () => {
    const raw = { ...DEFAULT_SETTINGS, labelNoise: 0.3 };
    expect(checkSettings(raw).labelNoise).toBe(0.3);
    expect(() => checkSettings({ ...raw, labelNoise: 0.6 })).toThrow(
      'checkSettings: labelNoise must be',
    );
  });
});

describe('URL parameters', () => {
  test.each([
    ['?epochs=ten', 'page: URL parameter ?epochs must be', '"ten"'],
    ['?epochs=0', 'page: URL parameter ?epochs must be', '"0"'],
    ['?dataset=mnist', 'page: URL parameter ?dataset must be one of', '"mnist"'],
    ['?method=bayes', 'page: URL parameter ?method must be one of', '"bayes"'],
    ['?dataset=cubic&method=sngp', 'page: URL parameter ?method must be one of', '"sngp"'],
    ['?labelNoise=0.9', 'page: URL parameter ?labelNoise must be', '"0.9"'],
    ['?seed=', 'page: URL parameter ?seed must be', 'got ""'],
  ])('%s names the parameter and the text given', (search, start, given) => {
    let error: unknown;
    try {
      settingsFromUrl(search);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const message = (error as Error).message;
    expect(message.startsWith(start)).toBe(true);
    expect(message.endsWith(given)).toBe(true);
  });

  test('good parameters still pass; ?backend is checked too', () => {
    expect(settingsFromUrl('?labelNoise=0.25&dataset=moons')).toMatchObject({ labelNoise: 0.25 });
    expect(backendFromUrl('')).toBe('auto');
    expect(backendFromUrl('?backend=cpu')).toBe('cpu');
    expect(() => backendFromUrl('?backend=webgpu')).toThrow(
      'page: URL parameter ?backend must be one of auto, webgl, cpu, got "webgpu"',
    );
  });
});

describe('regressionYRange', () => {
  test('the targets with a quarter of their extent above and below', () => {
    expect(regressionYRange(Float32Array.from([-10, 30, 5]))).toEqual([-20, 40]);
    // A constant target still gets a window.
    expect(regressionYRange([2, 2])).toEqual([1.75, 2.25]);
    expect(() => regressionYRange([])).toThrow('regressionYRange: ys must be finite numbers');
  });

  test('for the cubic task the window holds the data, not x^3 at the edges of the plot', () => {
    const task = makeTask('cubic', 0);
    if (task.kind !== 'regression') throw new Error('cubic is a regression task');
    const [lo, hi] = regressionYRange(task.y);
    expect(Math.min(...task.y)).toBeGreaterThan(lo);
    expect(Math.max(...task.y)).toBeLessThan(hi);
    // The old window reached 1.1 * 6^3 = 237.6; the data (|x| <= 4) stays near +-70.
    expect(hi - lo).toBeLessThan(237.6);
  });
});
