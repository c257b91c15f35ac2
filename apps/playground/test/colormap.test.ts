import { describe, expect, test } from 'vitest';
import {
  CLASS_COLORS,
  classColor,
  probabilityColor,
  sequentialColor,
  sequentialGradientCss,
} from '../src/ui/colormap.js';

/** Relative luminance weights of sRGB (ITU-R BT.709). */
const luminance = ([r, g, b]: readonly number[]) => 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;

describe('sequentialColor', () => {
  test('runs from dark violet at 0 to yellow at 1 and clamps outside', () => {
    expect(sequentialColor(0)).toEqual([38, 16, 71]);
    expect(sequentialColor(1)).toEqual([253, 231, 37]);
    expect(sequentialColor(-3)).toEqual(sequentialColor(0));
    expect(sequentialColor(7)).toEqual(sequentialColor(1));
    expect(sequentialColor(Number.NaN)).toEqual(sequentialColor(0));
  });

  test('gets brighter as uncertainty grows, so brightness reads as uncertainty', () => {
    let previous = -1;
    for (let i = 0; i <= 200; i++) {
      const y = luminance(sequentialColor(i / 200));
      expect(y).toBeGreaterThan(previous);
      previous = y;
    }
  });

  test('the colour bar uses the same anchors', () => {
    expect(sequentialGradientCss()).toContain('rgb(38 16 71)');
    expect(sequentialGradientCss()).toContain('rgb(253 231 37)');
  });
});

describe('probabilityColor', () => {
  test('is white at the uniform distribution, whatever K', () => {
    expect(probabilityColor([0.5, 0.5], 0, 2)).toEqual([255, 255, 255]);
    const third = 1 / 3;
    probabilityColor([third, third, third], 0, 3).forEach((c) => {
      expect(c).toBeCloseTo(255, 9);
    });
  });

  test('is the class colour for a one-hot row, read at an offset', () => {
    expect(probabilityColor([9, 9, 0, 1, 0], 2, 3)).toEqual([...CLASS_COLORS[1]!]);
    expect(probabilityColor([1, 0], 0, 2)).toEqual([...classColor(0)]);
  });

  test('fades linearly: top probability 0.75 of 2 classes is halfway to the mix', () => {
    // c = (0.75 - 0.5) / 0.5 = 0.5; mix = 0.75 blue + 0.25 orange.
    const [b, o] = [classColor(0), classColor(1)];
    const expected = [0, 1, 2].map((i) => 255 + 0.5 * (0.75 * b[i]! + 0.25 * o[i]! - 255));
    probabilityColor([0.75, 0.25], 0, 2).forEach((c, i) => {
      expect(c).toBeCloseTo(expected[i]!, 9);
    });
  });

  test('cycles class colours beyond five classes', () => {
    expect(classColor(5)).toEqual(classColor(0));
  });
});
