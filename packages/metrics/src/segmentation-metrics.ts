import type { Tensor } from '@tensorflow/tfjs-core';
import {
  checkAllFinite,
  checkRank,
  checkShape,
  InvalidArgumentError,
  ShapeError,
} from '@uqjs/core';
import { readBinningOptions } from './binning-options.js';
import { CalibrationBins } from './calibration-bins.js';
import { MAX_CLASSES } from './confusion-matrix.js';
import { rowEntropy } from './entropy.js';
import {
  checkLength,
  isTensor,
  type Matrix,
  type ProbsInput,
  type ProbsOptions,
  readFlags,
  readProbs,
  readTensorValues,
  readTolerance,
} from './inputs.js';
import { nllSum, readEps } from './nll.js';
import { OodDetection } from './ood-detection.js';
import { readOptions } from './options.js';
import { argmaxRow } from './top-label.js';

/**
 * Streaming metrics of semantic segmentation maps.
 *
 * Legend: `B` images, `H` x `W` pixels per image, `K` classes, `N = B H W` pixels of a batch;
 * pixel `i` of a `[B, H, W]` map is the row-major index `(b H + h) W + w`, row `i` of the
 * `[N, K]` probabilities.
 */

/**
 * A per-pixel map `[B, H, W]`: a flat array or typed array of `N` numbers in row-major order, or
 * a tensor (of shape `[B, H, W]` when the probabilities are a `[B, H, W, K]` tensor, else of any
 * shape with `N` entries).
 *
 * @since 0.1.0
 */
export type PixelMapInput = ArrayLike<number> | Tensor;

/**
 * Per-pixel OOD flags `[B, H, W]`, as a {@link PixelMapInput} of `0` / `1` or booleans (a bool
 * tensor works).
 *
 * @since 0.1.0
 */
export type PixelFlagsInput = ArrayLike<number | boolean> | Tensor;

/**
 * Options of {@link SegmentationMetrics}.
 *
 * @since 0.1.0
 */
export interface SegmentationMetricsOptions extends ProbsOptions {
  /** K, an integer in `[2, 10000]` ({@link MAX_CLASSES}); the background counts as a class. */
  readonly numClasses: number;
  /** The label of pixels that are not scored ("void"), any integer (default 255). */
  readonly ignoreIndex?: number;
  /** Equal-width bins of the top-label ECE, an integer in `[1, 10000]` (default 15). */
  readonly bins?: number;
  /** Floor on the probability of the label in the NLL (default `1e-12`, as in `nll`). */
  readonly eps?: number;
}

/**
 * Options of {@link SegmentationMetrics.update}.
 *
 * @since 0.1.0
 */
export interface SegmentationUpdateOptions {
  /**
   * `[B, H, W]`, 1 on pixels of an OOD (anomaly) class. These pixels are left out of IoU,
   * accuracy, ECE and NLL whatever their label, and are the positives of the OOD metrics.
   */
  readonly oodMask?: PixelFlagsInput;
  /**
   * `[B, H, W]` finite OOD scores, higher = more OOD (default: the total predictive entropy
   * `-sum_k p_k log p_k` of each pixel, nats). Only with `oodMask`.
   */
  readonly oodScore?: PixelMapInput;
}

/**
 * Pixel-level OOD detection metrics, the OOD pixels being the positive class and a higher
 * `oodScore` meaning more OOD; each in `[0, 1]`, `NaN` while no OOD pixel or no
 * in-distribution pixel has been seen.
 *
 * @since 0.1.0
 */
export interface SegmentationOodMetrics {
  /** Area under the ROC curve: `P(score(ood) > score(in)) + P(tie) / 2` over pixel pairs. */
  readonly auroc: number;
  /** Average precision of the OOD pixels, `sum_t (R_t - R_{t-1}) P_t` over distinct thresholds. */
  readonly aupr: number;
  /**
   * Share of in-distribution pixels flagged OOD at the largest threshold that flags 95% of the
   * OOD pixels (score >= the `ceil(0.95 nOod)`-th largest OOD score).
   */
  readonly fpr95: number;
}

/**
 * What {@link SegmentationMetrics.result} returns. The scored pixels are those whose label is
 * not `ignoreIndex` and that no `oodMask` marks.
 *
 * @since 0.1.0
 */
export interface SegmentationResult {
  /** Mean over the classes with a non-empty union of `TP / (TP + FP + FN)`, as `meanIoU`. */
  readonly meanIoU: number;
  /** `[K]` IoU of each class, `null` for a class absent from both labels and predictions. */
  readonly perClassIoU: (number | null)[];
  /** Share of scored pixels whose top class (first argmax) is the label. */
  readonly pixelAccuracy: number;
  /** Top-label ECE over the scored pixels, as `ece(probs, labels, { bins })`. */
  readonly ece: number;
  /** Mean `-log max(p[label], eps)` over the scored pixels, as `nll`. */
  readonly nll: number;
  /**
   * OOD metrics over the pixels of the updates that gave an `oodMask`: the pixels it marks
   * (positives) and its other pixels whose label is not `ignoreIndex`; `null` when no update
   * gave an `oodMask`.
   */
  readonly ood: SegmentationOodMetrics | null;
  /** Number of scored pixels. */
  readonly pixels: number;
}

/**
 * Scored rows are gathered in blocks of this many probabilities (whole rows, at least one)
 * before they are binned: 256 KB of float64, whatever the batch.
 */
const BLOCK_ENTRIES = 32_768;

/**
 * Streaming segmentation metrics over batches of probability maps: mean and per-class IoU with
 * an ignore label, pixel accuracy, top-label ECE and NLL per pixel, and pixel-level OOD AUROC,
 * AUPR and FPR95 when the batches carry an OOD mask. The results equal `meanIoU`, `accuracy`,
 * `ece`, `nll` and `oodMetrics` on the concatenated pixels, bit for bit, in whatever batches
 * (the same sums in the same order).
 *
 * Memory: O(K + bins) plus a block of 32,768 probabilities; with an `oodMask`, 8 bytes per
 * OOD-evaluated pixel are kept (exact OOD metrics need every score; see {@link OodDetection}).
 *
 * Inputs are read on the JS side (tensors with `dataSync()`, never disposed); on webgpu pass
 * the values (`{ data: await probs.data(), numClasses }`, `await labels.data()`).
 *
 * @example
 * ```ts
 * const m = new SegmentationMetrics({ numClasses: 2 });
 * // One 1 x 2 image, probs [B, H, W, K] flattened, then labels [B, H, W] (255 = void).
 * m.update({ data: [0.9, 0.1, 0.3, 0.7], numClasses: 2 }, [0, 255]);
 * m.update({ data: [0.55, 0.45, 0.4, 0.6], numClasses: 2 }, [1, 1], { oodMask: [1, 0] });
 * const { meanIoU, ece, nll, ood, pixels } = m.result(); // pixels 2, ood.auroc 1
 * ```
 * @since 0.1.0
 */
export class SegmentationMetrics {
  private readonly numClasses: number;
  private readonly ignoreIndex: number;
  private readonly eps: number;
  private readonly tolerance: number;
  private readonly bins: CalibrationBins;
  // Per class: true positives, label count and prediction count over the scored pixels.
  private readonly tp: Float64Array;
  private readonly labelCount: Float64Array;
  private readonly predCount: Float64Array;
  // A block of scored rows [blockSize, K] and their labels, reused by every update.
  private readonly blockSize: number;
  private readonly blockRows: Float64Array;
  private readonly blockLabels: Int32Array;
  private ood: OodDetection | null = null;
  private updates = 0;
  private pixels = 0;
  private correct = 0;
  private nllTotal = 0;

  constructor(opts: SegmentationMetricsOptions) {
    const fn = 'SegmentationMetrics';
    const options = readOptions(opts, fn);
    const k = options.numClasses;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 2 || k > MAX_CLASSES) {
      throw new InvalidArgumentError({
        fn,
        argument: 'opts.numClasses',
        expected: `an integer in [2, ${MAX_CLASSES}]`,
        given: k,
      });
    }
    const ignore = options.ignoreIndex === undefined ? 255 : options.ignoreIndex;
    if (typeof ignore !== 'number' || !Number.isSafeInteger(ignore)) {
      throw new InvalidArgumentError({
        fn,
        argument: 'opts.ignoreIndex',
        expected: 'an integer',
        given: ignore,
      });
    }
    this.numClasses = k;
    this.ignoreIndex = ignore;
    this.bins = new CalibrationBins(readBinningOptions({ bins: options.bins }, fn), k, fn);
    this.eps = readEps(options.eps, fn);
    this.tolerance = readTolerance(options.tolerance, fn);
    this.tp = new Float64Array(k);
    this.labelCount = new Float64Array(k);
    this.predCount = new Float64Array(k);
    this.blockSize = Math.max(1, Math.floor(BLOCK_ENTRIES / k));
    this.blockRows = new Float64Array(this.blockSize * k);
    this.blockLabels = new Int32Array(this.blockSize);
  }

  /**
   * Adds a batch: `probs` `[B, H, W, K]` (a tensor of rank 3 or 4 whose last axis is K, or
   * `{ data, numClasses }` flattened) or `[N, K]` (any probabilities input of `ece`), and
   * `labels` `[B, H, W]` with class ids in `[0, K)` or `ignoreIndex`. Every argument is checked
   * before anything is added, so a rejected batch changes nothing. Tensors are read, not
   * disposed.
   */
  update(probs: ProbsInput, labels: PixelMapInput, opts: SegmentationUpdateOptions = {}): this {
    const fn = 'SegmentationMetrics.update';
    const { matrix, pixelShape } = this.readPixelProbs(probs, fn);
    const n = matrix.rows;
    const y = readPixelMap(labels, 'labels', fn, n, pixelShape);
    this.checkLabels(y, fn);
    const options = readOptions(opts, fn);
    const oodMask =
      options.oodMask === undefined
        ? null
        : readFlags(
            readPixelMap(options.oodMask, 'opts.oodMask', fn, n, pixelShape),
            'opts.oodMask',
            fn,
          );
    let oodScore: ArrayLike<number> | null = null;
    if (options.oodScore !== undefined) {
      if (oodMask === null) {
        throw new InvalidArgumentError({
          fn,
          argument: 'opts.oodScore',
          expected: 'given together with opts.oodMask (it only feeds the OOD metrics)',
          given: options.oodScore,
        });
      }
      oodScore = readPixelMap(options.oodScore, 'opts.oodScore', fn, n, pixelShape);
      checkAllFinite(oodScore, 'opts.oodScore', fn);
    }
    this.updates += 1;
    if (oodMask !== null) this.addOod(matrix, y, oodMask, oodScore);
    this.addScored(matrix, y, oodMask);
    return this;
  }

  /**
   * The metrics over every batch added so far; throws before any pixel was scored (before the
   * first `update`, or while every pixel was `ignoreIndex` or OOD).
   */
  result(): SegmentationResult {
    if (this.pixels === 0) {
      throw new InvalidArgumentError({
        fn: 'SegmentationMetrics.result',
        argument: 'pixels',
        expected:
          this.updates === 0
            ? 'at least 1 (call update first)'
            : 'at least 1 (every pixel so far was ignoreIndex or OOD)',
        given: 0,
      });
    }
    // The IoU of each class from its confusion-matrix counts, in class order as meanIoU sums.
    const perClassIoU: (number | null)[] = [];
    let sum = 0;
    let present = 0;
    for (let c = 0; c < this.numClasses; c++) {
      const tp = this.tp[c]!;
      const union = this.labelCount[c]! + this.predCount[c]! - tp;
      if (union > 0) {
        perClassIoU.push(tp / union);
        sum += tp / union;
        present++;
      } else perClassIoU.push(null);
    }
    return {
      meanIoU: sum / present,
      perClassIoU,
      pixelAccuracy: this.correct / this.pixels,
      ece: this.bins.errors().ece,
      nll: this.nllTotal / this.pixels,
      ood: this.oodResult(),
      pixels: this.pixels,
    };
  }

  /** Reads checked `[N, K]` probabilities and the shape of the pixel maps (`null`: any, N entries). */
  private readPixelProbs(
    probs: ProbsInput,
    fn: string,
  ): { matrix: Matrix; pixelShape: readonly number[] | null } {
    const k = this.numClasses;
    if (isTensor(probs)) {
      checkRank(probs, [1, 2, 3, 4], 'probs', fn);
      const shape = probs.shape;
      if (shape.length >= 3) {
        if (shape[shape.length - 1] !== k || probs.size === 0) {
          throw new ShapeError({
            fn,
            argument: 'probs',
            expected: `non-empty with ${k} classes (numClasses) on its last axis`,
            given: shape,
          });
        }
        const data = readTensorValues(probs, 'probs', fn);
        const matrix = readProbs({ data, numClasses: k }, 'probs', fn, this.tolerance);
        return { matrix, pixelShape: shape.slice(0, -1) };
      }
    }
    const matrix = readProbs(probs, 'probs', fn, this.tolerance);
    if (matrix.cols !== k) {
      throw new ShapeError({
        fn,
        argument: 'probs',
        expected: `of shape [N, ${k}] (numClasses)`,
        given: [matrix.rows, matrix.cols],
      });
    }
    return { matrix, pixelShape: null };
  }

  /** Every label is `ignoreIndex` or an integer class id in `[0, K)`. */
  private checkLabels(labels: ArrayLike<number>, fn: string): void {
    const k = this.numClasses;
    for (let i = 0; i < labels.length; i++) {
      const y = labels[i]!;
      if (y !== this.ignoreIndex && !(Number.isInteger(y) && y >= 0 && y < k)) {
        throw new InvalidArgumentError({
          fn,
          argument: `labels[${i}]`,
          expected: `an integer class id in [0, ${k - 1}] or the ignoreIndex (${this.ignoreIndex})`,
          given: y,
        });
      }
    }
  }

  /**
   * Adds the OOD scores of a batch: OOD pixels as positives, the other pixels whose label is
   * not ignored as negatives.
   */
  private addOod(
    m: Matrix,
    labels: ArrayLike<number>,
    oodMask: Uint8Array,
    oodScore: ArrayLike<number> | null,
  ): void {
    const { data, rows, cols } = m;
    const positives = new Float64Array(rows);
    const negatives = new Float64Array(rows);
    let nPos = 0;
    let nNeg = 0;
    for (let i = 0; i < rows; i++) {
      const isOod = oodMask[i] === 1;
      if (!isOod && labels[i] === this.ignoreIndex) continue;
      const score = oodScore === null ? rowEntropy(data, i, cols) : oodScore[i]!;
      if (isOod) positives[nPos++] = score;
      else negatives[nNeg++] = score;
    }
    // OodDetection's first group is its positive class, higher = more of it: here the OOD
    // pixels with their OOD scores. Its `auprIn` and `fpr95` are then the AUPR and the FPR95
    // with OOD positive (FPR95: in-distribution pixels flagged at 95% of OOD pixels found),
    // and its `auroc` is the same either way.
    this.ood ??= new OodDetection();
    this.ood.update(positives.subarray(0, nPos), false);
    this.ood.update(negatives.subarray(0, nNeg), true);
  }

  /** Adds the scored pixels (label not ignored, not OOD) to IoU counts, ECE bins and NLL. */
  private addScored(m: Matrix, labels: ArrayLike<number>, oodMask: Uint8Array | null): void {
    const { data, rows, cols } = m;
    const block = this.blockRows;
    let filled = 0;
    const flush = (): void => {
      const chunk: Matrix = { data: block.subarray(0, filled * cols), rows: filled, cols };
      const chunkLabels = this.blockLabels.subarray(0, filled);
      this.correct += this.bins.add(chunk, chunkLabels);
      this.nllTotal = nllSum(chunk, chunkLabels, this.eps, this.nllTotal);
      this.pixels += filled;
      filled = 0;
    };
    for (let i = 0; i < rows; i++) {
      const y = labels[i]!;
      if (y === this.ignoreIndex || (oodMask !== null && oodMask[i] === 1)) continue;
      const pred = argmaxRow(data, i, cols);
      this.labelCount[y]! += 1;
      this.predCount[pred]! += 1;
      if (pred === y) this.tp[y]! += 1;
      // Row i of the [N, K] probabilities goes to row `filled` of the block.
      for (let c = 0; c < cols; c++) block[filled * cols + c] = data[i * cols + c]!;
      this.blockLabels[filled] = y;
      filled++;
      if (filled === this.blockSize) flush();
    }
    if (filled > 0) flush();
  }

  private oodResult(): SegmentationOodMetrics | null {
    if (this.ood === null) return null;
    const { in: nOod, out: nIn } = this.ood.count;
    if (nOod === 0 || nIn === 0) return { auroc: Number.NaN, aupr: Number.NaN, fpr95: Number.NaN };
    const { auroc, auprIn, fpr95 } = this.ood.result();
    return { auroc, aupr: auprIn, fpr95 };
  }
}

/**
 * Reads a per-pixel map of `n` entries: a tensor (of shape `pixelShape` when given, else of any
 * shape with `n` entries) or a flat array / typed array. Entries are checked by the caller.
 */
function readPixelMap(
  input: unknown,
  argument: string,
  fn: string,
  n: number,
  pixelShape: readonly number[] | null,
): ArrayLike<number> {
  if (isTensor(input)) {
    if (pixelShape !== null) checkShape(input, pixelShape, argument, fn);
    else if (input.size !== n) {
      throw new ShapeError({
        fn,
        argument,
        expected: `a tensor of ${n} entries (one per row of probs)`,
        given: input.shape,
      });
    }
    return readTensorValues(input, argument, fn);
  }
  const flat =
    (Array.isArray(input) && !input.some(Array.isArray)) ||
    (ArrayBuffer.isView(input) && !(input instanceof DataView));
  if (!flat) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a [B, H, W] map: a flat array or typed array in row-major order, or a tensor',
      given: input,
    });
  }
  const values = input as ArrayLike<number>;
  checkLength(values, n, argument, fn, 'one per pixel of probs');
  return values;
}
