import { join } from 'node:path';
import {
  bad,
  checkResume,
  PROGRAM,
  parseFlags,
  parseGridFlags,
  parseOneOf,
  parsePositiveInt,
  parsePositiveNumber,
  parsePreset,
  parseRunnerFlags,
  parseSplit,
  SHARED_RUN_OPTIONS,
  timestamp,
} from '../args.js';
import { BENCH_BACKENDS } from '../config.js';
import {
  SEGMENTATION_DATASETS,
  SEGMENTATION_METHODS,
  type SegmentationConfig,
  type SegmentationDatasetName,
  segmentationPreset,
} from './protocol.js';

/**
 * What `uqjs-bench segmentation ...` asks for. A `run` with `yes` skips the confirmation a
 * terminal asks for before a large grid.
 *
 * @since 0.1.0
 */
export type SegmentationCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly config: SegmentationConfig; readonly yes: boolean };

/** Smallest image side: the U-Net halves it `depth` times and the head samples at `1/f`. */
const MIN_SIZE = 8;

/**
 * The help of `uqjs-bench segmentation`.
 *
 * @since 0.1.0
 */
export const SEGMENTATION_USAGE = `Usage: ${PROGRAM} segmentation [flags]
  Homoscedastic vs heteroscedastic per-pixel heads on a U-Net: tau* on
  validation, paired tests on mIoU and NLL, uncertainty pictures.

Presets (flags override a preset):
  --quick               the default: 32 x 32 shapes, 12 runs (minutes)
  --paper               the paper's temperatures and sample counts, 10 seeds
  --preset quick|paper  the same (--quick and --paper override it)

Data:
  --dataset NAME        ${SEGMENTATION_DATASETS.join(', ')} (shapes: generated)
  --data-dir DIR        the dataset's files (voc, cityscapes, camvid)
  --size N              image side H = W, images resized to it (quick: 32)
  --split a/b/c         train/validation/test images (quick: 320/64/64)

Grid:
  --methods a,b         ${SEGMENTATION_METHODS.join(', ')}
  --temperatures t,...  temperatures of the heteroscedastic head
  --train-samples s,... MC samples of the head in training
  --seeds N|a..b|s,...  N seeds 0..N-1, an inclusive range, or a list

Protocol:
  --eval-samples N      MC samples at validation and test (quick: 64)
  --dropout-passes N    MC-dropout passes at validation and test (quick: 4)
  --epochs N            maximum epochs (quick: 20)
  --patience N          early-stopping patience on validation NLL (quick: 5)
  --batch-size N        (16)
  --learning-rate X     Adam learning rate (quick: 0.003)

Running:
  --backend NAME        ${BENCH_BACKENDS.join(', ')} (default: best available)
  --out DIR             output directory (results/segmentation-<dataset>/<time>)
  --resume              skip the runs already in DIR/runs.jsonl (needs --out)
  --workers N           worker processes (default: CPU cores; 1 on a GPU)
  --threads N           wasm threads per worker, 1 to 8 (default: the cores
                        the workers leave)
  --pictures N          test images per picture grid (4; 0: none)
  -y, --yes             start without asking (a terminal asks above 100 runs)
  -h, --help            this text`;

const OPTIONS = {
  ...SHARED_RUN_OPTIONS,
  dataset: { type: 'string' },
  size: { type: 'string' },
  'dropout-passes': { type: 'string' },
  pictures: { type: 'string' },
} as const;

/** Test images drawn per picture grid unless `--pictures` says otherwise. */
const DEFAULT_PICTURES = 4;

/**
 * Parses the flags of `uqjs-bench segmentation` (`argv` after the word `segmentation`). Every
 * problem is an `InvalidArgumentError` naming the flag, what it accepts and what was given.
 *
 * @example
 * ```ts
 * const command = parseSegmentationArgs(['--quick', '--seeds', '1', '--epochs', '2']);
 * ```
 *
 * @since 0.1.0
 */
export function parseSegmentationArgs(
  argv: readonly string[],
  env: { now?: Date } = {},
): SegmentationCommand {
  const { values, positionals } = parseFlags(argv, OPTIONS);
  if (values.help) return { kind: 'help' };
  if (positionals.length > 0) {
    bad('segmentation', `flags only (see ${PROGRAM} segmentation --help)`, positionals.join(' '));
  }
  const preset = parsePreset(values);
  const dataset: SegmentationDatasetName =
    values.dataset !== undefined
      ? parseOneOf(values.dataset, SEGMENTATION_DATASETS, '--dataset')
      : 'shapes';
  const dataDir = values['data-dir'] ?? null;
  if (dataset === 'shapes' && dataDir !== null) {
    bad('--data-dir', 'used with voc, cityscapes or camvid (shapes is generated)', dataDir);
  }
  if (dataset !== 'shapes' && dataDir === null) {
    bad('--data-dir', `the directory of the ${dataset} files`, 'nothing');
  }
  checkResume(values);
  const defaults = segmentationPreset(preset, dataset);
  const d = defaults.protocol;
  const int = (name: keyof typeof OPTIONS, fallback: number, min = 1) => {
    const text = values[name];
    return typeof text === 'string' ? parsePositiveInt(text, `--${name}`, min) : fallback;
  };
  const size = int('size', d.size, MIN_SIZE);
  // Every downsampling (the U-Net's 2^depth and the head's sampling factor) must divide H.
  const divisor = Math.max(2 ** d.depth, d.sampleDownsample);
  if (size % divisor !== 0) {
    bad('--size', `a multiple of ${divisor} (the network downsamples by ${divisor})`, size);
  }
  const protocol = {
    ...d,
    size,
    split: values.split !== undefined ? parseSplit(values.split) : d.split,
    evalSamples: int('eval-samples', d.evalSamples),
    dropoutPasses: int('dropout-passes', d.dropoutPasses),
    epochs: int('epochs', d.epochs),
    patience: int('patience', d.patience),
    batchSize: int('batch-size', d.batchSize),
    learningRate:
      values['learning-rate'] !== undefined
        ? parsePositiveNumber(values['learning-rate'], '--learning-rate')
        : d.learningRate,
  };
  const grid = parseGridFlags(values, SEGMENTATION_METHODS, defaults.grid);
  const execution = {
    out: values.out ?? join('results', `segmentation-${dataset}`, timestamp(env.now ?? new Date())),
    resume: values.resume ?? false,
    dataDir,
    ...parseRunnerFlags(values),
    pictures: int('pictures', DEFAULT_PICTURES, 0),
  };
  return { kind: 'run', config: { preset, protocol, grid, execution }, yes: values.yes ?? false };
}
