/**
 * What one benchmark run is: the protocol (everything that must match for two runs to be
 * comparable), the grid of cells, and how this process runs them.
 *
 * Legend for shapes in this app: `B` batch, `S` MC samples, `K` classes, `M` members,
 * `H`/`W`/`C` image height, width, channels.
 */

/**
 * Datasets the bench knows. `cifar` is accepted on the command line as an alias of `cifar10`.
 *
 * @since 0.1.0
 */
export const DATASETS = ['mnist', 'cifar10', 'svhn', 'moons'] as const;
/**
 * A dataset the bench knows.
 *
 * @since 0.1.0
 */
export type DatasetName = (typeof DATASETS)[number];

/**
 * Methods the bench compares; every one ends in a `Predictive` scored the same way.
 *
 * @since 0.1.0
 */
export const METHOD_NAMES = [
  'homoscedastic',
  'heteroscedastic',
  'tempered-softmax',
  'sngp',
  'mc-dropout',
  'ensemble',
  'het-sngp',
  'bbb',
  'learned-confidence',
  'tta',
  'kfold',
  'mimo',
  'rank1',
] as const;
/**
 * A method the bench compares.
 *
 * @since 0.1.0
 */
export type MethodName = (typeof METHOD_NAMES)[number];

/**
 * Post-hoc calibrators `--calibrate` can fit on each cell's validation predictions and apply to
 * its test predictions: `temperature`, `vector` and `matrix` scaling (from `@uqjs/metrics`, on
 * the log-probabilities) and `histogram` binning, `isotonic` regression, `platt` and `beta`
 * calibration (from `@uqjs/calibration`, one-vs-rest).
 *
 * @since 0.1.0
 */
export const CALIBRATORS = [
  'temperature',
  'vector',
  'matrix',
  'histogram',
  'isotonic',
  'platt',
  'beta',
] as const;
/**
 * A post-hoc calibrator.
 *
 * @since 0.1.0
 */
export type CalibratorName = (typeof CALIBRATORS)[number];

/**
 * Split-conformal score functions `--conformal` can calibrate on each cell's validation
 * predictions and apply to its test predictions (from `@uqjs/conformal`): `lac` (least
 * ambiguous sets, score `1 - p_y`), `aps` (adaptive prediction sets) and `raps` (regularized
 * APS), the last two randomized.
 *
 * @since 0.1.0
 */
export const CONFORMAL_METHODS = ['lac', 'aps', 'raps'] as const;
/**
 * A split-conformal score function.
 *
 * @since 0.1.0
 */
export type ConformalMethodName = (typeof CONFORMAL_METHODS)[number];

/**
 * The miscoverage `alpha` of `--conformal` without `--conformal-alpha`: sets that hold the
 * label with probability at least 0.9.
 *
 * @since 0.1.0
 */
export const DEFAULT_CONFORMAL_ALPHA = 0.1;

/**
 * `--conformal` / `--conformal-alpha`: which conformal prediction sets each run scores.
 *
 * @since 0.1.0
 */
export interface ConformalProtocol {
  /** Score functions, in {@link CONFORMAL_METHODS} order (never empty). */
  readonly methods: readonly ConformalMethodName[];
  /** Miscoverage in `(0, 1)`: the target coverage is `1 - alpha`. */
  readonly alpha: number;
}

/**
 * Logit noise families of the heteroscedastic head.
 *
 * @since 0.1.0
 */
export const NOISE_KINDS = ['normal', 'logistic', 'gumbel'] as const;
/**
 * A logit noise family.
 *
 * @since 0.1.0
 */
export type NoiseKind = (typeof NOISE_KINDS)[number];

/**
 * Label-noise schemes the bench applies to train, validation and test labels.
 *
 * @since 0.1.0
 */
export const LABEL_NOISE = ['collier2020', 'none'] as const;
/**
 * A label-noise scheme.
 *
 * @since 0.1.0
 */
export type LabelNoise = (typeof LABEL_NOISE)[number];

/**
 * Network bodies: the paper's (MLP for MNIST and moons, CNN for images) or a tiny one for tests.
 *
 * @since 0.1.0
 */
export const MODEL_SIZES = ['paper', 'tiny'] as const;
/**
 * A network body size.
 *
 * @since 0.1.0
 */
export type ModelSize = (typeof MODEL_SIZES)[number];

/**
 * Backends the bench can be asked for (`--backend`).
 *
 * @since 0.1.0
 */
export const BENCH_BACKENDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
/**
 * A backend name.
 *
 * @since 0.1.0
 */
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

/**
 * Example counts of the train / validation / test splits.
 *
 * @since 0.1.0
 */
export interface SplitSizes {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
}

/**
 * Everything that decides a cell's numbers. Two output directories can be resumed into or
 * merged only when their protocols are equal.
 *
 * @since 0.1.0
 */
export interface Protocol {
  readonly dataset: DatasetName;
  readonly model: ModelSize;
  /** Split sizes; `null` for the dataset's own split (official test set, 10% of train for validation). */
  readonly split: SplitSizes | null;
  readonly labelNoise: LabelNoise;
  readonly noise: NoiseKind;
  readonly evalSamples: number;
  readonly maxEpochs: number;
  readonly patience: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly ensembleSize: number;
  /**
   * `--calibrate`: the post-hoc calibrators fitted on validation and scored on test, in
   * {@link CALIBRATORS} order; absent (never empty) without the flag, so the protocols of runs
   * without it stay as they were.
   */
  readonly calibrators?: readonly CalibratorName[];
  /**
   * `--conformal` (and `--conformal-alpha`): the split-conformal prediction sets calibrated on
   * validation and scored on test; absent without the flag, as `calibrators` is.
   */
  readonly conformal?: ConformalProtocol;
}

/**
 * The grid: the bench trains one model per cell of methods x temperatures x train samples x seeds.
 *
 * @since 0.1.0
 */
export interface Grid {
  readonly methods: readonly MethodName[];
  readonly temperatures: readonly number[];
  readonly trainSamples: readonly number[];
  readonly seeds: readonly number[];
}

/**
 * A `--shard i/n` slice: this process runs the cells whose index is `i - 1` modulo `n`.
 *
 * @since 0.1.0
 */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * How this process runs its cells; none of it changes the numbers.
 *
 * @since 0.1.0
 */
export interface Execution {
  readonly out: string;
  readonly resume: boolean;
  readonly shard: Shard | null;
  /** Worker processes; `null` for automatic: the CPU cores, or 1 on a GPU backend. */
  readonly workers: number | null;
  /** wasm threads per worker; `null` for automatic: the cores the workers leave (see parallelism.ts). */
  readonly threads: number | null;
  readonly backend: BenchBackend | null;
  readonly dataDir: string | null;
  readonly download: boolean;
  /** `--checksums`: digests by file name for files other than the official ones; `null`: the official. */
  readonly checksums: Readonly<Record<string, string>> | null;
  /** Progress display: `'auto'` draws bars on a TTY and prints a line per run otherwise. */
  readonly progress: 'auto' | 'lines' | 'off';
}

/**
 * A whole benchmark invocation.
 *
 * @since 0.1.0
 */
export interface BenchConfig {
  readonly preset: PresetName;
  readonly protocol: Protocol;
  readonly grid: Grid;
  readonly execution: Execution;
}

/**
 * Presets: `quick` is sized for a 2-core CPU in under 10 minutes; `paper` is the paper's protocol.
 *
 * @since 0.1.0
 */
export const PRESETS = ['quick', 'paper'] as const;
/**
 * A preset name.
 *
 * @since 0.1.0
 */
export type PresetName = (typeof PRESETS)[number];

/**
 * True when both protocols decide the same numbers.
 *
 * @since 0.1.0
 */
export function sameProtocol(a: Protocol, b: Protocol): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * The protocol fields that differ between `a` and `b`, for error messages.
 *
 * @since 0.1.0
 */
export function protocolDifferences(a: Protocol, b: Protocol): string[] {
  const ca = canonical(a) as Record<string, unknown>;
  const cb = canonical(b) as Record<string, unknown>;
  return Object.keys({ ...ca, ...cb })
    .filter((key) => JSON.stringify(ca[key]) !== JSON.stringify(cb[key]))
    .map((key) => `${key}: ${describeField(ca[key])} vs ${describeField(cb[key])}`);
}

/** A protocol field's value for an error message; an optional field left out reads `(none)`. */
function describeField(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

/** Sorts keys so that JSON text compares equal for equal protocols. */
function canonical(protocol: Protocol): unknown {
  const record = protocol as unknown as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );
}
