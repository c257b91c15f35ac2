import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, Rng } from '@uqjs/core';
import type { SegmentationShapes } from '@uqjs/datasets';
import { entropyDecomposition, SegmentationMetrics } from '@uqjs/metrics';
import { segmentationLoss } from '@uqjs/segmentation';
import { nextTask } from '../methods/training.js';
import type { FitOutcome } from '../methods/types.js';
import type { UncertaintyMeans } from '../protocol.js';
import type { RunHooks } from '../run.js';
import { withSeededMathRandom } from '../seeded-math-random.js';
import { segmentationTestSet, segmentationTrainSet, shownImages } from './data.js';
import { buildPixelNet, type PixelNet } from './pixel-net.js';
import type { SegmentationResult, SegmentationUncertainty } from './protocol.js';
import type { SegmentationSettings } from './settings.js';

/** Images per gradient step. */
export const SEGMENTATION_BATCH = 4;
/** Adam's learning rate. */
export const SEGMENTATION_LEARNING_RATE = 0.003;
/** How a segmentation run ended (a stopped run is drawn as trained so far). */
export interface SegmentationOutcome extends FitOutcome {
  readonly result: SegmentationResult;
  readonly trainSeconds: number;
}

/**
 * Trains `net` with Adam on the mean per-pixel NLL of the annotator's labels
 * (`segmentationLoss`, 255 ignored), dropout on, a fresh seeded order every epoch
 * (`deriveSeed(seed, 'segmentation', 'shuffle', epoch)`), reporting each epoch to `hooks` and
 * ending after the epoch in which Stop was pressed.
 */
async function trainPixelNet(
  net: PixelNet,
  train: SegmentationShapes,
  settings: SegmentationSettings,
  hooks: RunHooks,
): Promise<FitOutcome> {
  const [n, h, w] = train.shape;
  const images = tf.tensor4d(train.images, [...train.shape]);
  const masks = tf.tensor3d(Int32Array.from(train.masks), [n, h, w], 'int32');
  const optimizer = tf.train.adam(SEGMENTATION_LEARNING_RATE);
  let epochsDone = 0;
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const order = new Rng(
        deriveSeed(settings.seed, 'segmentation', 'shuffle', epoch),
      ).permutation(n);
      let lossSum = 0;
      let steps = 0;
      for (let start = 0; start < n; start += SEGMENTATION_BATCH) {
        const batch = tf.tensor1d(order.subarray(start, start + SEGMENTATION_BATCH), 'int32');
        const cost = optimizer.minimize(
          () => {
            // [B, H, W, 3] images and [B, H, W] labels of this batch.
            const x = tf.gather(images, batch) as tf.Tensor4D;
            const y = tf.gather(masks, batch);
            const logProbs = net.logProbs(net.features(x, true), { training: true, dropout: true });
            return segmentationLoss(y, logProbs) as tf.Scalar;
          },
          true,
          net.variables,
        );
        lossSum += (await cost!.data())[0]!;
        steps++;
        tf.dispose([cost!, batch]);
      }
      epochsDone = epoch;
      hooks.progress(epoch, settings.epochs, lossSum / steps);
      await nextTask();
      if (hooks.stopRequested()) break;
    }
  } finally {
    tf.dispose([images, masks]);
    optimizer.dispose();
  }
  return { epochsDone, stopped: epochsDone < settings.epochs };
}

/** Sums of the three uncertainties over a set of pixels, and their count. */
class UncertaintySums {
  private readonly sums = [0, 0, 0];
  private count = 0;

  add(total: number, aleatoric: number, epistemic: number): void {
    this.sums[0]! += total;
    this.sums[1]! += aleatoric;
    this.sums[2]! += epistemic;
    this.count++;
  }

  means(): UncertaintyMeans {
    const [total, aleatoric, epistemic] = this.sums.map((s) => s / this.count);
    return { total: total!, aleatoric: aleatoric!, epistemic: epistemic! };
  }
}

/**
 * The predictive of `net` on the test images, from `settings.passes` MC dropout passes (one
 * pass without dropout when 1): per pixel, the mean of the passes' probabilities, its argmax,
 * and `entropyDecomposition` over the passes (total `H(mean_p p)`, aleatoric `mean_p H(p)`,
 * epistemic their difference), nats. Scores by `SegmentationMetrics` with the OOD mask and
 * the total uncertainty as the OOD score.
 */
async function evaluatePixelNet(
  net: PixelNet,
  test: SegmentationShapes,
  settings: SegmentationSettings,
): Promise<SegmentationResult> {
  const [n, h, w, c] = test.shape;
  const k = test.numClasses;
  const pixels = h * w;
  const view = shownImages(test);
  const { shown } = view;
  const prediction = new Uint8Array(shown * pixels);
  const maps = {
    total: new Float32Array(shown * pixels),
    aleatoric: new Float32Array(shown * pixels),
    epistemic: new Float32Array(shown * pixels),
  };
  const oodMask = test.oodMask!;
  const metrics = new SegmentationMetrics({ numClasses: k });
  const regions = {
    background: new UncertaintySums(),
    objects: new UncertaintySums(),
    ood: new UncertaintySums(),
  };
  for (let start = 0; start < n; start += SEGMENTATION_BATCH) {
    const count = Math.min(SEGMENTATION_BATCH, n - start);
    const first = start * pixels;
    const end = first + count * pixels;
    const x = tf.tensor4d(test.images.subarray(first * c, end * c), [count, h, w, c]);
    const features = net.features(x, false);
    const members: { data: Float32Array; numClasses: number }[] = [];
    try {
      for (let pass = 0; pass < settings.passes; pass++) {
        const probs = tf.tidy(() =>
          tf.exp(net.logProbs(features, { training: false, dropout: settings.passes > 1 })),
        );
        try {
          members.push({ data: (await probs.data()) as Float32Array, numClasses: k });
        } finally {
          probs.dispose();
        }
      }
    } finally {
      tf.dispose([x, features]);
    }
    const parts = entropyDecomposition(members);
    // [count * H * W, K] mean over the passes.
    const mean = new Float32Array(count * pixels * k);
    for (const member of members) {
      for (let i = 0; i < mean.length; i++) mean[i]! += member.data[i]! / members.length;
    }
    metrics.update({ data: mean, numClasses: k }, test.masks.subarray(first, end), {
      oodMask: oodMask.subarray(first, end),
      oodScore: parts.total,
    });
    for (let i = 0; i < count * pixels; i++) {
      const pixel = first + i;
      const [t, a, e] = [parts.total[i]!, parts.aleatoric[i]!, parts.epistemic[i]!];
      const truth = test.cleanMasks[pixel]!;
      const region =
        oodMask[pixel] === 1 ? regions.ood : truth === 0 ? regions.background : regions.objects;
      region.add(t, a, e);
      if (pixel >= shown * pixels) continue;
      let top = 0;
      for (let j = 1; j < k; j++) if (mean[i * k + j]! > mean[i * k + top]!) top = j;
      prediction[pixel] = top;
      maps.total[pixel] = t;
      maps.aleatoric[pixel] = a;
      maps.epistemic[pixel] = e;
    }
  }
  const scores = metrics.result();
  const uncertainty: SegmentationUncertainty = {
    background: regions.background.means(),
    objects: regions.objects.means(),
    ood: regions.ood.means(),
  };
  return {
    kind: 'segmentation',
    ...view,
    prediction,
    ...maps,
    testImages: n,
    scores: {
      meanIoU: scores.meanIoU,
      pixelAccuracy: scores.pixelAccuracy,
      ece: scores.ece,
      nll: scores.nll,
      oodAuroc: scores.ood?.auroc ?? Number.NaN,
      oodAupr: scores.ood?.aupr ?? Number.NaN,
      oodFpr95: scores.ood?.fpr95 ?? Number.NaN,
    },
    uncertainty,
  };
}

/**
 * One run of the segmentation tab: the procedural shapes of `@uqjs/datasets`
 * (`makeSegmentationShapes`: background, disc, square, triangle; the test images also hold
 * one cross, the OOD shape no model is trained on), a two-level U-Net with MC dropout on its
 * features and the chosen per-pixel head, trained for `settings.epochs`, then the maps of the
 * first test images and the test-set scores. Every random choice derives from `settings.seed`:
 * the same settings give the same result on the same backend. Runs wherever tfjs runs.
 */
export function runSegmentation(
  settings: SegmentationSettings,
  hooks: RunHooks,
): Promise<SegmentationOutcome> {
  return withSeededMathRandom(settings.seed, async () => {
    const started = performance.now();
    const [train, test] = [segmentationTrainSet(settings), segmentationTestSet(settings)];
    const net = buildPixelNet(settings, train.numClasses);
    try {
      const fit = await trainPixelNet(net, train, settings, hooks);
      const trainSeconds = (performance.now() - started) / 1000;
      hooks.evaluating();
      return { ...fit, trainSeconds, result: await evaluatePixelNet(net, test, settings) };
    } finally {
      net.dispose();
    }
  });
}
