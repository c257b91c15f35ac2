import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { BetaCalibration, PlattScaling } from '../src/index.js';
import { logisticGradient, overconfidentBinary } from './helpers.js';

const features = (p: readonly number[]) => [
  p.map((v) => Math.log(v)),
  p.map((v) => -Math.log(1 - v)),
  p.map(() => 1),
];

describe('BetaCalibration', () => {
  it('reduces to Platt scaling on logit(p) when the data force a = b', async () => {
    // Mirroring every example (p, y) -> (1 - p, 1 - y) makes the loss symmetric under
    // (a, b, c) -> (b, a, -c); the convex loss has a unique minimizer, so a = b and c = 0, and
    // a ln p - a ln(1 - p) = a logit(p): the Platt fit.
    const { probs, labels } = overconfidentBinary(4, 300);
    const p = [...probs, ...probs.map((v) => 1 - v)];
    const y = [...labels, ...labels.map((v) => 1 - v)];
    const beta = await BetaCalibration.fit(p, y);
    const platt = await PlattScaling.fit(p, y);
    const { a, b, c } = beta.maps[0]!;
    expect(a).toBeCloseTo(b, 7);
    expect(c).toBeCloseTo(0, 7);
    expect(a).toBeCloseTo(platt.maps[0]!.a, 7);
    const grid = [0.05, 0.3, 0.5, 0.8, 0.97];
    const fromBeta = await beta.apply(grid);
    const fromPlatt = await platt.apply(grid);
    grid.forEach((_, i) => {
      expect(fromBeta[i]).toBeCloseTo(fromPlatt[i]!, 7);
    });
  });

  it('has zero gradient at an interior fit', async () => {
    const { probs, labels } = overconfidentBinary(5, 400);
    const clipped = probs.map((v) => Math.min(Math.max(v, 1e-6), 1 - 1e-6));
    const beta = await BetaCalibration.fit(clipped, labels);
    const { a, b, c } = beta.maps[0]!;
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    logisticGradient(features(clipped), labels, [a, b, c]).forEach((g) => {
      expect(Math.abs(g)).toBeLessThan(1e-9);
    });
  });

  it('keeps a, b >= 0 and meets the constrained optimality (KKT) conditions', async () => {
    // Positives concentrate at both ends of p: the unconstrained fit wants a < 0 (P -> 1 as
    // p -> 0) with b > 0. The constrained optimum sets a = 0: there the loss gradient in a must
    // be > 0 (decreasing a below 0 would lower the loss) and the free coordinates' gradient 0.
    const rng = new Rng(6);
    const p: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 500; i++) {
      const v = 0.001 + 0.998 * rng.uniform();
      p.push(v);
      y.push(rng.uniform() < (v < 0.15 || v > 0.85 ? 0.85 : 0.3) ? 1 : 0);
    }
    const beta = await BetaCalibration.fit(p, y);
    const { a, b, c } = beta.maps[0]!;
    expect(a).toBe(0);
    expect(b).toBeGreaterThan(0);
    const [ga, gb, gc] = logisticGradient(features(p), y, [a, b, c]);
    expect(ga!).toBeGreaterThan(1e-4);
    expect(Math.abs(gb!)).toBeLessThan(1e-9);
    expect(Math.abs(gc!)).toBeLessThan(1e-9);
    const out = await beta.apply([0.1, 0.5, 0.9]);
    expect(out[0]!).toBeLessThanOrEqual(out[1]!); // monotone
    expect(out[1]!).toBeLessThanOrEqual(out[2]!);
  });

  it('round-trips through JSON and refuses corrupt JSON', async () => {
    const { probs, labels } = overconfidentBinary(7, 100);
    const beta = await BetaCalibration.fit(probs, labels);
    const back = BetaCalibration.fromJSON(JSON.parse(JSON.stringify(beta)));
    expect(await back.apply(probs)).toEqual(await beta.apply(probs));
    expect(() =>
      BetaCalibration.fromJSON({ kind: 'beta', numClasses: null, maps: [{ a: -1, b: 1, c: 0 }] }),
    ).toThrow(/a, b >= 0/);
    expect(() => BetaCalibration.fromJSON({ kind: 'platt', numClasses: null, maps: [] })).toThrow(
      /not a stored beta calibrator/,
    );
  });
});
