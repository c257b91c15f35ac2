import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  maxProbScore,
  negativeEntropyScore,
  OodDetection,
  type OodScore,
  oodMetrics,
} from '../src/index.js';
import { randomProbs } from './helpers.js';

/** Splits `[0, n)` into consecutive chunks at the given cut points (sorted, deduplicated). */
function chunksOf(n: number, cuts: readonly number[]): [number, number][] {
  const points = [...new Set([0, ...cuts.map((c) => c % (n + 1)), n])].sort((a, b) => a - b);
  return points.slice(1).map((end, i) => [points[i]!, end]);
}

/** AUROC by counting all pairs (ties 1/2): independent of the sorted sweep. */
function pairwiseAuroc(a: readonly number[], b: readonly number[]): number {
  let u = 0;
  for (const x of a) for (const y of b) u += x > y ? 1 : x === y ? 0.5 : 0;
  return u / (a.length * b.length);
}

describe('OodDetection', () => {
  it('streams scores in any chunks to exactly oodMetrics of the concatenation (ties included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ score: fc.integer({ min: 0, max: 6 }), ood: fc.boolean() }), {
          minLength: 2,
          maxLength: 60,
        }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (examples, cuts) => {
          const inScores = examples.filter((e) => !e.ood).map((e) => e.score / 4);
          const outScores = examples.filter((e) => e.ood).map((e) => e.score / 4);
          fc.pre(inScores.length > 0 && outScores.length > 0);
          const stream = new OodDetection();
          for (const [start, end] of chunksOf(examples.length, cuts)) {
            const chunk = examples.slice(start, end);
            stream.update(
              chunk.map((e) => e.score / 4),
              chunk.map((e) => e.ood),
            );
          }
          expect(stream.count).toEqual({ in: inScores.length, out: outScores.length });
          expect(stream.result()).toEqual(oodMetrics(inScores, outScores));
          expect(stream.result().auroc).toBeCloseTo(pairwiseAuroc(inScores, outScores), 14);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps adding after result(): the stored scores are sorted in place, not lost', () => {
    const rng = new Rng(3);
    const a = Array.from({ length: 500 }, () => Math.round(10 * rng.normal()) / 10 + 0.5);
    const b = Array.from({ length: 300 }, () => Math.round(10 * rng.normal()) / 10);
    const stream = new OodDetection();
    stream.update(a.slice(0, 200), false).update(b.slice(0, 100), true);
    expect(stream.result()).toEqual(oodMetrics(a.slice(0, 200), b.slice(0, 100)));
    stream.update(Float32Array.from(a.slice(200)), false).update(b.slice(100), true);
    // Float32Array chunk: compare with the same float32-rounded values one-shot.
    const a32 = [...a.slice(0, 200), ...Float32Array.from(a.slice(200))];
    expect(stream.result()).toEqual(oodMetrics(a32, b));
    expect(stream.count).toEqual({ in: 500, out: 300 });
  });

  it.each<OodScore>([
    'max-prob',
    'negative-entropy',
  ])('updateProbs with %s equals oodMetrics of the one-shot scores', (score) => {
    const inProbs = randomProbs(11, 120, 5, 3);
    const outProbs = randomProbs(12, 80, 5, 0.7);
    const rows = [...inProbs, ...outProbs];
    const flags = rows.map((_, i) => i >= inProbs.length);
    // Interleave: a permutation so that chunks mix in- and out-of-distribution rows.
    const order = rows.map((_, i) => i).sort((i, j) => ((i * 37) % 200) - ((j * 37) % 200));
    const stream = new OodDetection({ score });
    for (let start = 0; start < order.length; start += 64) {
      const idx = order.slice(start, start + 64);
      stream.updateProbs(
        idx.map((i) => rows[i]!),
        idx.map((i) => (flags[i] ? 1 : 0)),
      );
    }
    const fn = score === 'max-prob' ? maxProbScore : negativeEntropyScore;
    // Scores enter in a different order; the metrics depend only on the two multisets.
    expect(stream.result()).toEqual(oodMetrics(fn(inProbs), fn(outProbs)));
    expect(stream.result().auroc).toBeGreaterThan(0.8);
  });

  it('reads tensors (float32 probabilities, bool flags) without creating any', () => {
    const probs = randomProbs(21, 40, 4, 2);
    const flags = probs.map((_, i) => i % 3 === 0);
    const stream = new OodDetection();
    const before = tf.memory().numTensors;
    for (let rep = 0; rep < 3; rep++) {
      const p = tf.tensor2d(probs);
      const f = tf.tensor1d(flags, 'bool');
      const s = tf.tensor1d(Float32Array.from(maxProbScore(probs)));
      stream.updateProbs(p, f).update(s, f);
      tf.dispose([p, f, s]);
    }
    expect(tf.memory().numTensors).toBe(before);
    const scores32 = Array.from(Float32Array.from(maxProbScore(probs)));
    const inS = scores32.filter((_, i) => !flags[i]);
    const outS = scores32.filter((_, i) => flags[i]);
    const rep3 = (v: number[]) => [...v, ...v, ...v, ...v, ...v, ...v];
    expect(stream.result()).toEqual(oodMetrics(rep3(inS), rep3(outS)));
  });

  it('names the bad argument', () => {
    expect(() => new OodDetection({ score: 'energy' as OodScore })).toThrow(
      "OodDetection: opts.score must be one of 'max-prob', 'negative-entropy', got \"energy\"",
    );
    const m = new OodDetection();
    expect(() => m.update([0.1, Number.NaN], false)).toThrow(
      'OodDetection.update: scores[1] must be finite, got NaN',
    );
    expect(() => m.update([0.1, 0.2], [true])).toThrow(
      'OodDetection.update: isOod must be of shape [2] (one per example), got [1]',
    );
    expect(() => m.update([0.1, 0.2], [0, 2])).toThrow(
      'OodDetection.update: isOod[1] must be a boolean, or 0 (in-distribution) / 1 (OOD), got 2',
    );
    expect(() => m.updateProbs([[0.5, 0.6]], false)).toThrow(/OodDetection\.updateProbs: probs/);
    expect(() => m.updateProbs([[0.5, 0.5]], 'yes' as unknown as boolean)).toThrow(
      /OodDetection\.updateProbs: isOod must be an \[N\] vector/,
    );
    // Nothing was added by the failed calls.
    expect(m.count).toEqual({ in: 0, out: 0 });
    m.update([0.3], false);
    expect(() => m.result()).toThrow(
      'OodDetection.result: count.out must be at least 1 (add OOD examples first), got 0',
    );
    expect(() => new OodDetection().result()).toThrow(
      'OodDetection.result: count.in must be at least 1 (add in-distribution examples first), got 0',
    );
  });
});
