import { tensor2d } from '@tensorflow/tfjs-core';
import { disposePredictive } from '@uqjs/core';
import { makeGrid } from '@uqjs/datasets';
import {
  accuracy,
  brier,
  type EntropyDecomposition,
  ece,
  entropyDecomposition,
  nll,
  reliabilityDiagram,
  reliabilityDiagramSvg,
} from '@uqjs/metrics';
import { conformalSets } from './conformal-split.js';
import type { Classifier } from './methods/index.js';
import type { ClassificationResult } from './protocol.js';
import type { ConformalMethod } from './settings.js';
import type { ClassificationTask } from './tasks.js';
import { meanOf, uncertaintyMeans } from './uncertainty-means.js';

/** Confidence bins of the held-out reliability diagram and ECE. */
export const RELIABILITY_BINS = 10;

/**
 * Predictions at `n` 2-D points: probabilities `[n, K]`, their entropy decomposition, and the
 * learned confidence `[n]` of a method that has one (`null` otherwise).
 */
interface PointPredictions {
  readonly probs: Float32Array;
  readonly decomposition: EntropyDecomposition;
  readonly confidence: Float32Array | null;
}

/**
 * Runs the classifier on `[n, 2]` points and decomposes the entropy of its members (`[M, n, K]`),
 * reading them (and the confidence, if any) back asynchronously (any backend, webgpu included).
 */
export async function predictPoints(
  classifier: Classifier,
  x: Float32Array,
): Promise<PointPredictions> {
  const input = tensor2d(x, [x.length / 2, 2]);
  try {
    const { probs, members, confidence } = classifier.predict(input);
    try {
      const [numMembers, n, numClasses] = members.shape;
      const [probValues, memberValues, confidenceValues] = await Promise.all([
        probs.data(),
        members.data(),
        confidence?.data() ?? null,
      ]);
      const size = n * numClasses;
      const perMember = Array.from({ length: numMembers }, (_, m) => ({
        data: memberValues.subarray(m * size, (m + 1) * size),
        numClasses,
      }));
      return {
        probs: probValues as Float32Array,
        decomposition: entropyDecomposition(perMember),
        confidence: confidenceValues as Float32Array | null,
      };
    } finally {
      disposePredictive({ probs, members });
      confidence?.dispose();
    }
  } finally {
    input.dispose();
  }
}

/**
 * Everything the page draws for a trained classifier: probabilities and the entropy
 * decomposition on a `gridSize x gridSize` grid over the task's window (`makeGrid`), the
 * held-out scores and reliability diagram, and mean uncertainties at the training, held-out
 * and OOD points; for a method with a learned confidence, its grid and its means at those
 * points too; conformal sets (`conformalSets`, score `conformal.method`, miscoverage
 * `conformal.alpha`) calibrated on half the held-out points, scored on the other half and
 * sized on the grid.
 */
export async function evaluateClassifier(
  classifier: Classifier,
  task: ClassificationTask,
  gridSize: number,
  conformal: { readonly method: ConformalMethod; readonly alpha: number; readonly seed: number },
): Promise<ClassificationResult> {
  const grid = makeGrid(task.xRange, task.yRange, gridSize);
  const onGrid = await predictPoints(classifier, grid.x);
  const onTrain = await predictPoints(classifier, task.train.x);
  const onHeldOut = await predictPoints(classifier, task.heldOut.x);
  const onOod = task.ood === null ? null : await predictPoints(classifier, task.ood.x);
  const heldOutProbs = { data: onHeldOut.probs, numClasses: task.numClasses };
  const labels = task.heldOut.y;
  const diagram = reliabilityDiagram(heldOutProbs, labels, { bins: RELIABILITY_BINS });
  return {
    kind: 'classification',
    numClasses: task.numClasses,
    gridSize,
    xRange: task.xRange,
    yRange: task.yRange,
    probs: onGrid.probs,
    total: Float32Array.from(onGrid.decomposition.total),
    aleatoric: Float32Array.from(onGrid.decomposition.aleatoric),
    epistemic: Float32Array.from(onGrid.decomposition.epistemic),
    trainX: task.train.x,
    trainY: task.train.y,
    oodX: task.ood?.x ?? null,
    reliabilitySvg: reliabilityDiagramSvg(diagram, {
      width: 300,
      title: 'Held-out reliability',
    }),
    heldOut: {
      accuracy: accuracy(heldOutProbs, labels),
      ece: ece(heldOutProbs, labels, { bins: RELIABILITY_BINS }),
      nll: nll(heldOutProbs, labels),
      brier: brier(heldOutProbs, labels),
    },
    summary: {
      train: uncertaintyMeans(onTrain.decomposition),
      heldOut: uncertaintyMeans(onHeldOut.decomposition),
      ood: onOod === null ? null : uncertaintyMeans(onOod.decomposition),
    },
    confidence:
      onGrid.confidence === null
        ? null
        : {
            grid: onGrid.confidence,
            train: meanOf(onTrain.confidence!),
            heldOut: meanOf(onHeldOut.confidence!),
            ood: onOod === null ? null : meanOf(onOod.confidence!),
          },
    conformal: await conformalSets(
      { probs: onHeldOut.probs, labels },
      onGrid.probs,
      task.numClasses,
      conformal,
    ),
  };
}
