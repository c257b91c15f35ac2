import { accuracy, ece, entropyDecomposition, meanIoU, nll, oodMetrics } from '@uqjs/metrics';
import { ECE_BINS } from '../evaluate.js';
import type { Segmenter } from './segmenter.js';
import type { SegmentationSplit } from './split.js';
import { batchOf, batchRanges } from './train.js';

/** The label of pixels that are not scored. */
const IGNORE = 255;

/**
 * Scores of one split, over its scored pixels: those whose label is not 255 and that are not
 * in the OOD mask.
 *
 * @since 0.1.0
 */
export interface SegmentationScores {
  /** Mean over classes of `TP / (TP + FP + FN)` (classes absent from label and prediction skipped). */
  readonly meanIoU: number;
  /** Share of scored pixels whose argmax is the label. */
  readonly pixelAccuracy: number;
  /** Mean `-log p[label]` per scored pixel, nats. */
  readonly nll: number;
  /** Top-label ECE over scored pixels, 15 equal-width bins. */
  readonly ece: number;
  /** Mean per-pixel uncertainty over scored pixels, nats (see {@link PixelUncertainty}). */
  readonly uncertainty: {
    readonly total: number;
    readonly aleatoric: number;
    readonly epistemic: number;
  };
  /**
   * Pixel OOD detection of the held-out class by total uncertainty (higher = more OOD):
   * AUROC, AUPR with OOD pixels positive, FPR at 95% TPR of in-distribution pixels; `null`
   * for a split without OOD pixels.
   */
  readonly ood: {
    readonly auroc: number;
    readonly aupr: number;
    readonly fpr95: number;
    /** Mean total uncertainty on OOD pixels, nats (against `uncertainty.total` on the rest). */
    readonly meanTotal: number;
  } | null;
}

/**
 * Per-pixel uncertainty, nats, each `[N, H, W]`. With `P` MC-dropout passes whose head
 * predictives are `p_1 .. p_P` (each already averaged over the heteroscedastic head's latent
 * samples) and `pbar = mean_j p_j`: `total = H(pbar)`, `aleatoric = mean_j H(p_j)`,
 * `epistemic = total - aleatoric` (the mutual information between label and dropout mask).
 *
 * @since 0.1.0
 */
export interface PixelUncertainty {
  readonly total: Float32Array;
  readonly aleatoric: Float32Array;
  readonly epistemic: Float32Array;
}

/**
 * What evaluating a split gives: its scores and, for the first `keep` images, the predictive
 * probabilities `[keep, H, W, K]` and the uncertainty maps `[keep, H, W]` for pictures.
 *
 * @since 0.1.0
 */
export interface SplitEvaluation {
  readonly scores: SegmentationScores;
  readonly maps: { readonly probs: Float32Array; readonly uncertainty: PixelUncertainty };
}

/**
 * The predictive of `split` from `passes` MC-dropout passes (one pass with dropout off when
 * `passes` is 1), scored, with the
 * per-pixel uncertainty decomposed by `entropyDecomposition` over the passes.
 *
 * @since 0.1.0
 */
export async function evaluateSplit(
  net: Segmenter,
  split: SegmentationSplit,
  opts: {
    readonly passes: number;
    readonly batchSize: number;
    readonly numClasses: number;
    readonly keep: number;
  },
): Promise<SplitEvaluation> {
  const [n, h, w] = split.shape;
  const k = opts.numClasses;
  const pixels = n * h * w;
  const probs = new Float32Array(pixels * k);
  const total = new Float32Array(pixels);
  const aleatoric = new Float32Array(pixels);
  const epistemic = new Float32Array(pixels);
  let offset = 0;
  for (const indices of batchRanges(n, opts.batchSize)) {
    const { x, y } = batchOf(split, indices);
    y.dispose();
    const members: { data: Float32Array; numClasses: number }[] = [];
    for (let j = 0; j < opts.passes; j++) {
      const p = net.probs(x, opts.passes > 1);
      members.push({ data: (await p.data()) as Float32Array, numClasses: k });
      p.dispose();
    }
    x.dispose();
    const parts = entropyDecomposition(members);
    const rows = parts.total.length;
    for (let i = 0; i < rows * k; i++) {
      let sum = 0;
      for (const m of members) sum += m.data[i] as number;
      probs[offset * k + i] = sum / members.length;
    }
    total.set(parts.total, offset);
    aleatoric.set(parts.aleatoric, offset);
    epistemic.set(parts.epistemic, offset);
    offset += rows;
  }
  const scores = scoreSplit(probs, { total, aleatoric, epistemic }, split, k);
  const keep = Math.min(opts.keep, n) * h * w;
  return {
    scores,
    maps: {
      probs: probs.slice(0, keep * k),
      uncertainty: {
        total: total.slice(0, keep),
        aleatoric: aleatoric.slice(0, keep),
        epistemic: epistemic.slice(0, keep),
      },
    },
  };
}

function mean(values: Float32Array, where: readonly number[]): number {
  let sum = 0;
  for (const i of where) sum += values[i] as number;
  return where.length > 0 ? sum / where.length : Number.NaN;
}

/**
 * Scores predictive probabilities `[N * H * W, K]` of `split` on its scored pixels, and pixel
 * OOD detection (OOD pixels against scored pixels) by total uncertainty.
 *
 * @since 0.1.0
 */
export function scoreSplit(
  probs: Float32Array,
  uncertainty: PixelUncertainty,
  split: SegmentationSplit,
  numClasses: number,
): SegmentationScores {
  const k = numClasses;
  const scored: number[] = [];
  const ood: number[] = [];
  for (let i = 0; i < split.masks.length; i++) {
    if (split.oodMask !== null && split.oodMask[i] === 1) ood.push(i);
    else if (split.masks[i] !== IGNORE) scored.push(i);
  }
  const rows = new Float32Array(scored.length * k);
  const labels = new Int32Array(scored.length);
  const predicted = new Int32Array(scored.length);
  scored.forEach((pixel, r) => {
    rows.set(probs.subarray(pixel * k, (pixel + 1) * k), r * k);
    labels[r] = split.masks[pixel] as number;
    let top = 0;
    for (let c = 1; c < k; c++)
      if ((probs[pixel * k + c] as number) > (probs[pixel * k + top] as number)) top = c;
    predicted[r] = top;
  });
  const matrix = { data: rows, numClasses: k };
  let oodScores: SegmentationScores['ood'] = null;
  if (ood.length > 0) {
    // oodMetrics takes in-distribution scores (higher = more in-distribution): -total.
    const metrics = oodMetrics(
      scored.map((i) => -(uncertainty.total[i] as number)),
      ood.map((i) => -(uncertainty.total[i] as number)),
    );
    oodScores = {
      auroc: metrics.auroc,
      aupr: metrics.auprOut,
      fpr95: metrics.fpr95,
      meanTotal: mean(uncertainty.total, ood),
    };
  }
  return {
    meanIoU: meanIoU(predicted, labels, k),
    pixelAccuracy: accuracy(matrix, labels),
    nll: nll(matrix, labels),
    ece: ece(matrix, labels, { bins: ECE_BINS }),
    uncertainty: {
      total: mean(uncertainty.total, scored),
      aleatoric: mean(uncertainty.aleatoric, scored),
      epistemic: mean(uncertainty.epistemic, scored),
    },
    ood: oodScores,
  };
}
