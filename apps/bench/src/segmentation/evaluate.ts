import { entropyDecomposition, SegmentationMetrics } from '@uqjs/metrics';
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
   * Pixel OOD detection of the held-out class by total uncertainty (higher = more OOD), OOD
   * pixels positive (`SegmentationMetrics`' convention): AUROC, AUPR, and FPR95 = the share of
   * in-distribution pixels flagged at the threshold that finds 95% of the OOD pixels; `null`
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
 * The streaming scorer of one split: {@link SegmentationMetrics} (mean IoU, pixel accuracy,
 * top-label ECE, NLL and pixel OOD detection by total uncertainty) plus the mean uncertainty
 * over the scored pixels and the mean total uncertainty over the OOD pixels. Feed it the
 * batches of a split in order with {@link SplitScorer.add}; its memory is the metrics' (8 bytes
 * per OOD-evaluated pixel for the exact OOD metrics) and a few sums.
 *
 * @since 0.1.0
 */
export class SplitScorer {
  private readonly metrics: SegmentationMetrics;
  private readonly numClasses: number;
  // Sums of total, aleatoric, epistemic over the scored pixels, in pixel order.
  private readonly sums = { total: 0, aleatoric: 0, epistemic: 0 };
  private scored = 0;
  private oodTotal = 0;
  private oodPixels = 0;
  private withOod = false;

  constructor(numClasses: number) {
    this.numClasses = numClasses;
    this.metrics = new SegmentationMetrics({ numClasses, ignoreIndex: IGNORE, bins: ECE_BINS });
  }

  /**
   * Adds `n` pixels: their predictive probabilities `[n, K]`, uncertainty `[n]`, labels `[n]`
   * (255 = ignore) and OOD flags `[n]` (`null`: the split has no OOD mask).
   */
  add(
    probs: Float32Array,
    uncertainty: PixelUncertainty,
    labels: ArrayLike<number>,
    oodMask: Uint8Array | null,
  ): void {
    for (let i = 0; i < labels.length; i++) {
      if (oodMask !== null && oodMask[i] === 1) {
        this.oodTotal += uncertainty.total[i] as number;
        this.oodPixels++;
      } else if (labels[i] !== IGNORE) {
        this.sums.total += uncertainty.total[i] as number;
        this.sums.aleatoric += uncertainty.aleatoric[i] as number;
        this.sums.epistemic += uncertainty.epistemic[i] as number;
        this.scored++;
      }
    }
    const matrix = { data: probs, numClasses: this.numClasses };
    if (oodMask === null) {
      this.metrics.update(matrix, labels);
    } else {
      // The OOD score is the total uncertainty H(pbar), higher = more OOD.
      this.metrics.update(matrix, labels, { oodMask, oodScore: uncertainty.total });
      this.withOod = true;
    }
  }

  /** The scores of every pixel added; `ood` is `null` when no OOD pixel was added. */
  result(): SegmentationScores {
    const r = this.metrics.result();
    const mean = (sum: number, count: number) => (count > 0 ? sum / count : Number.NaN);
    return {
      meanIoU: r.meanIoU,
      pixelAccuracy: r.pixelAccuracy,
      nll: r.nll,
      ece: r.ece,
      uncertainty: {
        total: mean(this.sums.total, this.scored),
        aleatoric: mean(this.sums.aleatoric, this.scored),
        epistemic: mean(this.sums.epistemic, this.scored),
      },
      ood:
        this.withOod && this.oodPixels > 0 && r.ood !== null
          ? {
              auroc: r.ood.auroc,
              aupr: r.ood.aupr,
              fpr95: r.ood.fpr95,
              meanTotal: mean(this.oodTotal, this.oodPixels),
            }
          : null,
    };
  }
}

/**
 * The predictive of `split` from `passes` MC-dropout passes (one pass with dropout off when
 * `passes` is 1), scored batch by batch by a {@link SplitScorer}, with the per-pixel
 * uncertainty decomposed by `entropyDecomposition` over the passes. Only the maps of the first
 * `keep` images are kept.
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
  const kept = Math.min(opts.keep, n) * h * w;
  const maps = {
    probs: new Float32Array(kept * k),
    uncertainty: {
      total: new Float32Array(kept),
      aleatoric: new Float32Array(kept),
      epistemic: new Float32Array(kept),
    },
  };
  const scorer = new SplitScorer(k);
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
    const decomposed = entropyDecomposition(members);
    // Stored as float32, like the maps.
    const parts: PixelUncertainty = {
      total: Float32Array.from(decomposed.total),
      aleatoric: Float32Array.from(decomposed.aleatoric),
      epistemic: Float32Array.from(decomposed.epistemic),
    };
    const rows = parts.total.length;
    // pbar [rows, K]: the mean of the passes' probabilities.
    const probs = new Float32Array(rows * k);
    for (let i = 0; i < rows * k; i++) {
      let sum = 0;
      for (const m of members) sum += m.data[i] as number;
      probs[i] = sum / members.length;
    }
    scorer.add(
      probs,
      parts,
      split.masks.subarray(offset, offset + rows),
      split.oodMask === null ? null : split.oodMask.subarray(offset, offset + rows),
    );
    if (offset < kept) {
      const take = Math.min(rows, kept - offset);
      maps.probs.set(probs.subarray(0, take * k), offset * k);
      maps.uncertainty.total.set(parts.total.subarray(0, take), offset);
      maps.uncertainty.aleatoric.set(parts.aleatoric.subarray(0, take), offset);
      maps.uncertainty.epistemic.set(parts.epistemic.subarray(0, take), offset);
    }
    offset += rows;
  }
  return { scores: scorer.result(), maps };
}

/**
 * Scores predictive probabilities `[N * H * W, K]` of `split` in one go (a {@link SplitScorer}
 * fed once): its scored pixels, and pixel OOD detection (OOD pixels against scored pixels) by
 * total uncertainty.
 *
 * @since 0.1.0
 */
export function scoreSplit(
  probs: Float32Array,
  uncertainty: PixelUncertainty,
  split: SegmentationSplit,
  numClasses: number,
): SegmentationScores {
  const scorer = new SplitScorer(numClasses);
  scorer.add(probs, uncertainty, split.masks, split.oodMask);
  return scorer.result();
}
