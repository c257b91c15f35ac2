import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  aurc,
  bootstrapCI,
  brier,
  Calibration,
  confusionMatrix,
  dempsterShaferScore,
  ece,
  entropyDecomposition,
  fitMatrixScaling,
  fitTemperature,
  fitVectorScaling,
  maxProbScore,
  mce,
  meanIoU,
  meanStd,
  negativeEntropyScore,
  nll,
  oodMetrics,
  pairedTTest,
  reliabilityDiagram,
  reliabilityDiagramSvg,
  riskCoverage,
} from '../src/index.js';
import { randomProbs, sampleLabels } from './helpers.js';

describe('tensor hygiene', () => {
  const probs = randomProbs(41, 40, 3);
  const labels = sampleLabels(42, probs);
  const logits = probs.map((row) => row.map((p) => Math.log(p)));

  it('no public function leaves tensors behind; apply returns exactly one', () => {
    const p = tf.tensor2d(probs);
    const z = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, 'int32');
    const members = tf.stack([p, p]);
    const scores = tf.tensor1d(probs.map((r) => r[0]!));
    const fits = [
      fitTemperature(z, y),
      fitVectorScaling(z, y),
      fitMatrixScaling(z, y, { maxIterations: 20 }),
    ];
    const calls: (() => unknown)[] = [
      () => accuracy(p, y),
      () => nll(p, y),
      () => brier(p, y),
      () => ece(p, y),
      () => mce(p, y, { scope: 'classwise' }),
      () => reliabilityDiagram(p, y),
      () => reliabilityDiagramSvg(p, y),
      () => new Calibration().update(p, y).update(p, y).result(),
      () => entropyDecomposition(members),
      () => maxProbScore(p),
      () => negativeEntropyScore(p),
      () => dempsterShaferScore(z),
      () => oodMetrics(scores, scores),
      () => riskCoverage(p, y),
      () => aurc(p, y, { scores }),
      () => confusionMatrix(y, y, 3),
      () => meanIoU(y, y, 3),
      () => pairedTTest(scores, scores),
      () => meanStd(scores),
      () => bootstrapCI(p, y, ece, { numResamples: 5 }),
      () => fitTemperature(z, y),
      () => fitVectorScaling(z, y, { maxIterations: 5 }),
      () => fitMatrixScaling(z, y, { maxIterations: 5 }),
    ];
    const before = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) for (const call of calls) call();
    expect(tf.memory().numTensors).toBe(before);
    for (const fit of fits) {
      const out = fit.apply(z);
      expect(tf.memory().numTensors).toBe(before + 1);
      out.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([p, z, y, members, scores]);
  });
});
