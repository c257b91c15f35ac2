/**
 * What one segmentation benchmark is: the protocol (everything that decides the numbers), the
 * grid of cells and how this process runs them, and the `quick` and `paper` presets.
 *
 * Shapes: `B` batch, `H x W` pixels, `C` channels, `K` classes, `S` MC samples, `P` dropout passes.
 */
import type { BenchBackend, Grid, PresetName } from '../config.js';
import { PAPER_TEMPERATURES, PAPER_TRAIN_SAMPLES } from '../presets.js';

/**
 * Segmentation data the bench reads: `shapes` is generated offline (`makeSegmentationShapes` of
 * `@uqjs/datasets`); the others are read from the dataset's own files under `--data-dir`.
 *
 * @since 0.1.0
 */
export const SEGMENTATION_DATASETS = ['shapes', 'voc', 'cityscapes', 'camvid'] as const;
/**
 * A segmentation dataset.
 *
 * @since 0.1.0
 */
export type SegmentationDatasetName = (typeof SEGMENTATION_DATASETS)[number];

/**
 * The two arms: the homoscedastic per-pixel softmax and the heteroscedastic MC softmax head.
 *
 * @since 0.1.0
 */
export const SEGMENTATION_METHODS = ['homoscedastic', 'heteroscedastic'] as const;
/**
 * A segmentation arm.
 *
 * @since 0.1.0
 */
export type SegmentationMethod = (typeof SEGMENTATION_METHODS)[number];

/**
 * Everything that decides a segmentation cell's numbers.
 *
 * @since 0.1.0
 */
export interface SegmentationProtocol {
  readonly dataset: SegmentationDatasetName;
  /** Image side `H = W` of the generated set (and the size real images are resized to). */
  readonly size: number;
  /** Images in the train / validation / test splits. */
  readonly split: { readonly train: number; readonly validation: number; readonly test: number };
  /** U-Net width (`baseFilters`) and depth (2x downsamplings). */
  readonly baseFilters: number;
  readonly depth: number;
  /** Rate of the MC dropout on the body's features; > 0 gives the MC passes their epistemic part. */
  readonly dropoutRate: number;
  /** Low-rank factors `R` of the heteroscedastic head's noise (0 = diagonal). */
  readonly numFactors: number;
  /** MC sampling at `H/f x W/f` with bilinear upsampling of the log-probabilities. */
  readonly sampleDownsample: number;
  /** MC samples of the heteroscedastic head at validation and test. */
  readonly evalSamples: number;
  /** MC-dropout passes `P` at test (1 = a single deterministic pass, no epistemic part). */
  readonly dropoutPasses: number;
  readonly epochs: number;
  /** Epochs without a lower validation NLL before training stops. */
  readonly patience: number;
  readonly batchSize: number;
  readonly learningRate: number;
}

/**
 * The grid: one model per method x temperature x training samples x seed (the classifier
 * bench's {@link Grid} with the segmentation arms); the homoscedastic arm has no temperature or
 * sample axis.
 *
 * @since 0.1.0
 */
export type SegmentationGrid = Omit<Grid, 'methods'> & {
  readonly methods: readonly SegmentationMethod[];
};

/**
 * A whole `uqjs-bench segmentation` invocation.
 *
 * @since 0.1.0
 */
export interface SegmentationConfig {
  readonly preset: PresetName;
  readonly protocol: SegmentationProtocol;
  readonly grid: SegmentationGrid;
  readonly execution: {
    readonly out: string;
    /** Skip the cells already in `out/runs.jsonl` (the directory's protocol and grid must match). */
    readonly resume: boolean;
    readonly dataDir: string | null;
    readonly backend: BenchBackend | null;
    /** Worker processes; `null` for automatic: the CPU cores, or 1 on a GPU backend. */
    readonly workers: number | null;
    /** wasm threads per worker; `null` for automatic: the cores the workers leave. */
    readonly threads: number | null;
    /** Test images drawn in each picture grid (0: no pictures). */
    readonly pictures: number;
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * The defaults of `preset`.
 *
 * - `quick`: 32 x 32 procedural shapes, 320 / 64 / 64 images, a U-Net of width 8 and depth 2
 *   with dropout 0.1, diagonal noise, 4 x downsampled sampling, 16 training and 64 test samples,
 *   temperatures 0.5, 1 and 2, 3 seeds, at most 20 epochs (patience 5): 12 runs, a few minutes
 *   on two CPU cores. Its models are far from converged (the shapes' labels are noisy and 400
 *   steps are few): a smoke-scale comparison, not a result.
 * - `paper`: the paper's temperature grid (0.01 ... 100, {@link PAPER_TEMPERATURES}) and its
 *   training-sample counts up to 100 ({@link PAPER_TRAIN_SAMPLES} without 1,000, whose per-pixel
 *   samples do not fit a CPU run), 1,000 samples at validation and test,
 *   low-rank noise with 4 factors (the paper's segmentation heads are low-rank because `K` is
 *   large), a U-Net of width 16 and depth 3, patience 10, 10 seeds, 64 x 64 images. The paper
 *   trains DeepLab-style networks on full-size VOC and Cityscapes, which this grid does not
 *   reproduce on a CPU: it keeps the paper's sweep of the head and shrinks the body and data.
 *
 * @since 0.1.0
 */
export function segmentationPreset(
  preset: PresetName,
  dataset: SegmentationDatasetName,
): { protocol: SegmentationProtocol; grid: SegmentationGrid } {
  if (preset === 'quick') {
    return {
      protocol: {
        dataset,
        size: 32,
        split: { train: 320, validation: 64, test: 64 },
        baseFilters: 8,
        depth: 2,
        dropoutRate: 0.1,
        numFactors: 0,
        sampleDownsample: 4,
        evalSamples: 64,
        dropoutPasses: 4,
        epochs: 20,
        patience: 5,
        batchSize: 16,
        learningRate: 3e-3,
      },
      grid: {
        methods: SEGMENTATION_METHODS,
        temperatures: [0.5, 1, 2],
        trainSamples: [16],
        seeds: range(3),
      },
    };
  }
  return {
    protocol: {
      dataset,
      size: 64,
      split: { train: 2000, validation: 500, test: 500 },
      baseFilters: 16,
      depth: 3,
      dropoutRate: 0.1,
      numFactors: 4,
      sampleDownsample: 2,
      evalSamples: 1000,
      dropoutPasses: 10,
      epochs: 200,
      patience: 10,
      batchSize: 16,
      learningRate: 1e-3,
    },
    grid: {
      methods: SEGMENTATION_METHODS,
      temperatures: PAPER_TEMPERATURES,
      trainSamples: PAPER_TRAIN_SAMPLES.filter((s) => s <= 100),
      seeds: range(10),
    },
  };
}
