import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracy, brier, Calibration, ece, mce, nll, reliabilityDiagram } from '../src/index.js';
import { randomProbs, sampleLabels } from './helpers.js';

const settings = [
  { bins: 15 },
  { bins: 7, binning: 'equal-mass' as const },
  { bins: 5, scope: 'classwise' as const },
  { bins: 4, binning: 'equal-mass' as const, scope: 'classwise' as const, eps: 1e-3 },
];

describe('Calibration (streaming)', () => {
  it('equals the one-shot functions exactly, on random splits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 2, max: 5 }),
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 59 }), { maxLength: 6 }),
        fc.constantFrom(...settings),
        (n, k, seed, cutsRaw, opts) => {
          const probs = randomProbs(seed, n, k, 3);
          const labels = sampleLabels(seed + 1, probs);
          const cuts = [...new Set(cutsRaw.filter((c) => c < n))].sort((a, b) => a - b);
          const bounds = [0, ...cuts, n];
          const stream = new Calibration(opts);
          for (let j = 0; j + 1 < bounds.length; j++) {
            // Alternate input forms between chunks: nested arrays and a dense Float64 matrix.
            const chunk = probs.slice(bounds[j], bounds[j + 1]);
            const y = labels.slice(bounds[j], bounds[j + 1]);
            if (j % 2 === 0) stream.update(chunk, y);
            else
              stream.update(
                { data: Float64Array.from(chunk.flat()), numClasses: k },
                Int32Array.from(y),
              );
          }
          const r = stream.result();
          expect(r.ece).toBe(ece(probs, labels, opts));
          expect(r.mce).toBe(mce(probs, labels, opts));
          expect(r.nll).toBe(nll(probs, labels, opts));
          expect(r.brier).toBe(brier(probs, labels));
          expect(r.accuracy).toBe(accuracy(probs, labels));
          expect(r.count).toBe(n);
          expect(r.diagram).toEqual(reliabilityDiagram(probs, labels, opts));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('reads tensors and keeps working after result()', () => {
    const probs = randomProbs(5, 30, 3);
    const labels = sampleLabels(6, probs);
    const stream = new Calibration();
    const before = tf.memory().numTensors;
    const p = tf.tensor2d(probs.slice(0, 20));
    const y = tf.tensor1d(labels.slice(0, 20), 'int32');
    stream.update(p, y);
    tf.dispose([p, y]);
    const partial = stream.result();
    expect(partial.count).toBe(20);
    stream.update(probs.slice(20), labels.slice(20));
    expect(tf.memory().numTensors).toBe(before);
    // The first chunk went through float32: compare with the one-shot value on float32-rounded data.
    const rounded = probs.map((row, i) => (i < 20 ? Array.from(Float32Array.from(row)) : row));
    expect(stream.result().ece).toBe(ece(rounded, labels, { tolerance: 1e-3 }));
    expect(stream.result().count).toBe(30);
  });

  it('rejects a chunk with another number of classes, and result() before any update', () => {
    const stream = new Calibration();
    expect(() => stream.result()).toThrow(
      'Calibration.result: count must be at least 1 (call update first), got 0',
    );
    stream.update([[0.5, 0.5]], [0]);
    expect(() => stream.update([[0.2, 0.3, 0.5]], [0])).toThrow(
      'Calibration.update: probs must be of shape [n, 2] (the number of classes of the first update), got [1, 3]',
    );
    expect(() => stream.update([[0.2, 0.8]], [2])).toThrow(
      'Calibration.update: labels[0] must be an integer class label in [0, 1], got 2',
    );
    // Failed updates leave the state as it was.
    expect(stream.result().count).toBe(1);
    expect(() => new Calibration({ bins: 1.5 })).toThrow(
      'Calibration: opts.bins must be an integer >= 1, got 1.5',
    );
  });
});
