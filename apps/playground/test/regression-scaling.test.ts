import { describe, expect, test } from 'vitest';
import { regressionScaling } from '../src/regression-scaling.js';
import { makeTask, type RegressionTask } from '../src/tasks.js';

describe('regressionScaling', () => {
  const task = makeTask('cubic', 3) as RegressionTask;
  const scaling = regressionScaling(task);

  test('maps the data range onto [-1, 1]', () => {
    expect(scaling.x(-4)).toBe(-1);
    expect(scaling.x(4)).toBe(1);
    expect(scaling.x(0)).toBe(0);
  });

  test('standardizes the training targets: mean 0, population sd 1', () => {
    const z = Array.from(task.y, scaling.y);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
    expect(mean).toBeCloseTo(0, 10);
    expect(sd).toBeCloseTo(1, 10);
  });

  test('maps means and variances back: yBack inverts y, variances scale by sd^2', () => {
    for (const y of [-50, 0, 3.5, 120]) expect(scaling.yBack(scaling.y(y))).toBeCloseTo(y, 9);
    // A unit step in standardized units is sd in y units, so variance 1 maps to sd^2.
    const sd = scaling.yBack(1) - scaling.yBack(0);
    expect(scaling.varianceBack(1)).toBeCloseTo(sd * sd, 9);
    expect(scaling.varianceBack(0.25)).toBeCloseTo(0.25 * sd * sd, 9);
  });
});
