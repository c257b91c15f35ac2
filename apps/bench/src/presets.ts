import type { DatasetName, Grid, MethodName, PresetName, Protocol } from './config.js';
import type { Cell } from './grid.js';

/**
 * The paper's temperature grid: log-spaced from 0.01 to 100, two points per decade.
 *
 * @since 0.1.0
 */
export const PAPER_TEMPERATURES: readonly number[] = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100];

/**
 * The paper's numbers of MC samples during training.
 *
 * @since 0.1.0
 */
export const PAPER_TRAIN_SAMPLES: readonly number[] = [1, 10, 100, 1000];

/** Every method, the default of the `paper` preset. */
const ALL_METHODS: readonly MethodName[] = [
  'homoscedastic',
  'heteroscedastic',
  'tempered-softmax',
  'sngp',
  'mc-dropout',
  'ensemble',
];

/** The arms `quick` compares: the paper's two models and the temperature control (issue #14). */
const QUICK_METHODS: readonly MethodName[] = [
  'homoscedastic',
  'heteroscedastic',
  'tempered-softmax',
];

/**
 * Defaults of one preset for one dataset: a protocol and a grid that the flags then override.
 *
 * @since 0.1.0
 */
export interface PresetDefaults {
  readonly protocol: Protocol;
  readonly grid: Grid;
}

/**
 * Seeds of `quick`. MNIST: 4, measured to fit 10 minutes with the build on this repository's
 * 2-core CPU machine (5 seeds took about 2 x 10 CPU-minutes of training, see the root README);
 * `npx nx run bench:results` runs 10 for the evidence in docs/results.md.
 */
const QUICK_SEEDS: Record<DatasetName, number> = { mnist: 4, cifar10: 5, svhn: 5, moons: 3 };

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * The defaults of `preset` for `dataset`.
 *
 * - `paper`: appendix D of the paper: patience 10, at most 1,000 epochs, Adam(1e-3), 1,000 MC
 *   samples at validation and test, the full temperature and training-sample grids, 50 seeds.
 * - `quick` (issue #14): the homoscedastic arm, the heteroscedastic arm at temperatures 1 and 10
 *   with 100 training samples, the tempered-softmax control at 10, patience 3, 4 seeds on MNIST;
 *   sized so `mnist --quick` finishes in under 10 minutes on two CPU cores (see the root README).
 *
 * MNIST uses the 10,000 bundled digits split 6,000 / 2,000 / 2,000 per seed; CIFAR-10 and SVHN
 * use their official test set and hold out 10% of the training set for validation; moons draws
 * 1,000 / 500 / 500 points.
 *
 * @since 0.1.0
 */
export function presetDefaults(preset: PresetName, dataset: DatasetName): PresetDefaults {
  const quick = preset === 'quick';
  const protocol: Protocol = {
    dataset,
    model: 'paper',
    split:
      dataset === 'mnist'
        ? { train: 6000, validation: 2000, test: 2000 }
        : dataset === 'moons'
          ? { train: 1000, validation: 500, test: 500 }
          : null,
    labelNoise: dataset === 'moons' ? 'none' : 'collier2020',
    noise: 'normal',
    evalSamples: 1000,
    maxEpochs: quick ? (dataset === 'moons' ? 200 : 50) : 1000,
    patience: quick ? (dataset === 'moons' ? 10 : 3) : 10,
    batchSize: 128,
    learningRate: 1e-3,
    ensembleSize: 5,
  };
  const grid: Grid = quick
    ? {
        methods: dataset === 'moons' ? ALL_METHODS : QUICK_METHODS,
        temperatures: [1, 10],
        trainSamples: [100],
        seeds: range(QUICK_SEEDS[dataset]),
      }
    : {
        methods: ALL_METHODS,
        temperatures: PAPER_TEMPERATURES,
        trainSamples: PAPER_TRAIN_SAMPLES,
        seeds: range(50),
      };
  return { protocol, grid };
}

/**
 * Seconds one epoch takes per training example on one WASM worker, by network body. MNIST's
 * MLP 3 x 1024 is measured: the 40 quick MNIST runs of docs/results.md took 98 s each on
 * average, about 8 epochs of 6,000 examples (with the per-epoch validation at 1,000 MC samples).
 * The CNN's factor follows from its multiply-adds per example (about 10x the MLP's); moons'
 * MLP 3 x 128 on two inputs is about 1/50 of MNIST's. Estimates, not measurements.
 */
const SECONDS_PER_EXAMPLE_EPOCH: Record<DatasetName, number> = {
  mnist: 2e-3,
  cifar10: 2e-2,
  svhn: 2e-2,
  moons: 4e-5,
};

/** Seconds of every run besides training: data, model set-up, scoring (measured on moons). */
const RUN_OVERHEAD_SECONDS = 5;

/** Training examples when `split` is `null` (the official split, 10% held out for validation). */
const FULL_TRAIN: Record<DatasetName, number> = {
  mnist: 54000,
  cifar10: 45000,
  svhn: 65931,
  moons: 1000,
};

/**
 * A rough prior for the seconds one run of `cell` takes on one CPU worker, used to print an
 * estimate before a grid starts (with `--resume`, the bench uses the mean of the finished runs
 * instead). Early stopping usually ends a run a few epochs after the patience, so the estimate
 * assumes `min(maxEpochs, patience + 5)` epochs; an ensemble trains `ensembleSize` networks;
 * the tiny body costs a tenth of the paper's; every run adds a few seconds of set-up and scoring.
 *
 * @since 0.1.0
 */
export function estimateRunSeconds(protocol: Protocol, cell: Cell): number {
  const examples = protocol.split?.train ?? FULL_TRAIN[protocol.dataset];
  const epochs = Math.min(protocol.maxEpochs, protocol.patience + 5);
  const members = cell.method === 'ensemble' ? protocol.ensembleSize : 1;
  const body = protocol.model === 'tiny' ? 0.1 : 1;
  const training = SECONDS_PER_EXAMPLE_EPOCH[protocol.dataset] * examples * epochs * members;
  return RUN_OVERHEAD_SECONDS + training * body;
}

/**
 * Estimated wall seconds of `cells` spread over `workers` processes: the mean of
 * `measuredSeconds` (runs already finished) per run when there are any, else
 * {@link estimateRunSeconds} per cell.
 *
 * @since 0.1.0
 */
export function estimateGridSeconds(
  protocol: Protocol,
  cells: readonly Cell[],
  workers: number,
  measuredSeconds: readonly number[] = [],
): number {
  if (cells.length === 0) return 0;
  const total =
    measuredSeconds.length > 0
      ? (cells.length * measuredSeconds.reduce((a, b) => a + b, 0)) / measuredSeconds.length
      : cells.reduce((sum, cell) => sum + estimateRunSeconds(protocol, cell), 0);
  return total / Math.max(1, Math.min(workers, cells.length));
}
