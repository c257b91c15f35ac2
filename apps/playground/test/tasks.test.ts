import { makeMoons, makeOodCluster } from '@uqjs/datasets';
import { describe, expect, test } from 'vitest';
import { type ClassificationTask, HELD_OUT_FRACTION, makeTask } from '../src/tasks.js';

/** The points of `[n, 2]` rows as sortable strings. */
function rows(x: Float32Array, y: Int32Array): string[] {
  return Array.from(y, (label, i) => `${x[2 * i]},${x[2 * i + 1]},${label}`).sort();
}

describe('makeTask', () => {
  test('moons: a stratified held-out quarter of makeMoons, plus the OOD cluster', () => {
    const task = makeTask('moons', 4) as ClassificationTask;
    expect(task.kind).toBe('classification');
    expect(task.heldOut.n).toBe(600 * HELD_OUT_FRACTION);
    expect(task.train.n).toBe(600 - task.heldOut.n);
    // Train and held-out are exactly the generated points, each once.
    const moons = makeMoons({ n: 600, noise: 0.1, seed: 4 });
    expect(
      [...rows(task.train.x, task.train.y), ...rows(task.heldOut.x, task.heldOut.y)].sort(),
    ).toEqual(rows(moons.x, moons.y));
    // Stratified: 75 of each class held out.
    expect(task.heldOut.y.filter((c) => c === 0).length).toBe(75);
    expect(task.ood?.x).toEqual(makeOodCluster({ n: 100, seed: 4 }).x);
    expect(task.xRange).toEqual([-3.5, 3.5]);
  });

  test('spirals: three classes, no OOD points', () => {
    const task = makeTask('spirals', 0) as ClassificationTask;
    expect(task.numClasses).toBe(3);
    expect(task.train.n + task.heldOut.n).toBe(480);
    for (let k = 0; k < 3; k++) expect(task.heldOut.y.filter((c) => c === k).length).toBe(40);
    expect(task.ood).toBeNull();
  });

  test('cubic: 20 points on [-4, 4], plotted on [-6, 6]', () => {
    const task = makeTask('cubic', 0);
    if (task.kind !== 'regression') throw new Error('expected regression');
    expect(task.x.length).toBe(20);
    expect(Math.min(...task.x)).toBeGreaterThanOrEqual(-4);
    expect(Math.max(...task.x)).toBeLessThanOrEqual(4);
    expect(task.xRange).toEqual([-6, 6]);
  });

  test('the same seed gives the same task, another seed another one', () => {
    const a = makeTask('moons', 1) as ClassificationTask;
    expect((makeTask('moons', 1) as ClassificationTask).train.x).toEqual(a.train.x);
    expect((makeTask('moons', 2) as ClassificationTask).train.x).not.toEqual(a.train.x);
  });
});
