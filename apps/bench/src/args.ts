import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { InvalidArgumentError } from '@uqjs/core';
import {
  BENCH_BACKENDS,
  type BenchBackend,
  type BenchConfig,
  CALIBRATORS,
  type CalibratorName,
  CONFORMAL_METHODS,
  type ConformalProtocol,
  DATASETS,
  type DatasetName,
  DEFAULT_CONFORMAL_ALPHA,
  type Execution,
  LABEL_NOISE,
  METHOD_NAMES,
  MODEL_SIZES,
  NOISE_KINDS,
  PRESETS,
  type PresetName,
  type Shard,
  type SplitSizes,
} from './config.js';
import { methodTraits } from './method-traits.js';
import { presetDefaults } from './presets.js';

/**
 * The program name used in error messages.
 *
 * @since 0.1.0
 */
export const PROGRAM = 'uqjs-bench';

/**
 * The commands whose help `uqjs-bench help <command>` (or `<command> --help`) prints: `run` is
 * `uqjs-bench <dataset>`; `null` is the overview.
 *
 * @since 0.1.0
 */
export type HelpTopic = 'run' | 'merge' | 'report' | null;

/**
 * What the command line asks for. A `run` with `yes` skips the confirmation that a terminal
 * asks for before a grid of more than {@link CONFIRM_ABOVE_RUNS} runs.
 *
 * @since 0.1.0
 */
export type BenchCommand =
  | { readonly kind: 'help'; readonly topic: HelpTopic }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly config: BenchConfig; readonly yes: boolean }
  | { readonly kind: 'merge'; readonly dirs: readonly string[]; readonly out: string | null }
  | { readonly kind: 'report'; readonly dir: string; readonly to: string | null };

/**
 * Grids with more runs than this ask for confirmation on a terminal (unless `--yes`).
 *
 * @since 0.1.0
 */
export const CONFIRM_ABOVE_RUNS = 100;

/**
 * The overview printed by `uqjs-bench --help` and `uqjs-bench help`.
 *
 * @since 0.1.0
 */
export const USAGE = `Usage:
  ${PROGRAM} <dataset> [flags]   train and compare methods on a dataset:
                                ${DATASETS.join(', ')} (cifar = cifar10)
  ${PROGRAM} merge <dirs...>     combine the runs of several shards
  ${PROGRAM} report <dir>        rewrite a run's report and plots
  ${PROGRAM} segmentation        segmentation heads on per-pixel label noise
  ${PROGRAM} help [command]      this text, or the help of run, merge, report
  ${PROGRAM} --version           the version

Without a preset flag a run uses the quick grid; the paper's grid needs --paper.
${PROGRAM} <dataset> --help lists the flags of a run.`;

/** Where the descriptions of the flags start in the help texts. */
const HELP_COLUMN = 24;

/**
 * `items` joined by `, `, broken after a comma so that no line passes 80 columns when the first
 * line starts at `column` and the others are indented to it.
 */
function wrapList(items: readonly string[], column: number): string {
  const lines: string[] = [];
  let line = '';
  for (const [i, item] of items.entries()) {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (line !== '' && column + line.length + 1 + piece.length > 80) {
      lines.push(line);
      line = piece;
    } else line = line === '' ? piece : `${line} ${piece}`;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(column)}`);
}

/**
 * The help of a run, printed by `uqjs-bench <dataset> --help` and `uqjs-bench help run`.
 *
 * @since 0.1.0
 */
export const RUN_USAGE = `Usage: ${PROGRAM} <dataset> [flags]
  dataset: ${DATASETS.join(', ')} (cifar = cifar10)

Presets (flags override a preset):
  --quick               the default: a small grid (mnist: 16 runs, minutes)
  --paper               the paper's grid (6 methods, 9 temperatures, 4 sample
                        counts, 50 seeds: thousands of runs)
  --preset quick|paper  the same (--quick and --paper override it)

Grid:
  --methods a,b,...     ${wrapList(METHOD_NAMES, HELP_COLUMN)}
  --temperatures t,...  softmax temperatures (paper: 0.01,0.03,...,100)
  --train-samples s,... MC samples in training (paper: 1,10,100,1000)
  --seeds N|a..b|s,...  N seeds 0..N-1, an inclusive range, or a list

Protocol:
  --eval-samples N      MC samples at validation and test (1000)
  --noise KIND          logit noise: ${NOISE_KINDS.join(', ')} (normal)
  --label-noise KIND    ${LABEL_NOISE.join(', ')} (collier2020; moons: none)
  --epochs N            maximum epochs (paper: 1000)
  --patience N          early-stopping patience on validation NLL (paper: 10)
  --batch-size N        (128)
  --learning-rate X     Adam learning rate (0.001)
  --ensemble-size N     members of the ensemble method (5)
  --split a/b/c         train/validation/test sizes (mnist: 6000/2000/2000)
  --model paper|tiny    network body; tiny is for smoke tests

Post-hoc calibration (fitted on each run's validation set, scored on test):
  --calibrate a,b,...   ${wrapList(CALIBRATORS, HELP_COLUMN)} (default: none)

Conformal prediction sets (calibrated on each run's validation set):
  --conformal a,b,...   ${wrapList(CONFORMAL_METHODS, HELP_COLUMN)} (default: none)
  --conformal-alpha A   miscoverage in (0, 1), target coverage 1 - A
                        (${DEFAULT_CONFORMAL_ALPHA}; needs --conformal)

Running:
  --backend NAME        ${BENCH_BACKENDS.join(', ')} (default: best available)
  --data-dir DIR        where the dataset files are (not for moons)
  --download            download missing CIFAR-10 / SVHN / MNIST files
  --checksums FILE      JSON {"file name": "hex digest"} for files other than
                        the official ones (a mirror, a subset): md5 for
                        CIFAR-10 and SVHN, sha256 for MNIST
  --out DIR             output directory (results/<dataset>/<timestamp>)
  --resume              skip the runs already in DIR/runs.jsonl (needs --out)
  --shard i/n           run the i-th of n slices of the grid (1 <= i <= n)
  --workers N           worker processes (default: CPU cores; 1 on a GPU)
  --threads N           wasm threads per worker, 1 to 8 (default: the cores
                        the workers leave, e.g. 2 for one run on 2 cores)
  --progress MODE       auto, lines or off: live on a terminal, else a line
                        per run and a heartbeat (auto)
  -y, --yes             start without asking (a terminal asks above ${CONFIRM_ABOVE_RUNS} runs)
  -h, --help            this text`;

/**
 * The help of `uqjs-bench merge`.
 *
 * @since 0.1.0
 */
export const MERGE_USAGE = `Usage: ${PROGRAM} merge <dirs...> [--out DIR]
  Combines the runs.jsonl of several output directories (the shards of one
  grid, run with the same flags and --shard i/n) into one directory with
  summary.json, report.md and plots. Directories whose protocols differ are
  refused.

  --out DIR             where to write (results/<dataset>/merged-<timestamp>)
  -h, --help            this text`;

/**
 * The help of `uqjs-bench report`.
 *
 * @since 0.1.0
 */
export const REPORT_USAGE = `Usage: ${PROGRAM} report <dir> [--to FILE]
  Rewrites summary.json, report.md and the plots of <dir> from
  <dir>/runs.jsonl, without training.

  --to FILE             also write the report, without plots, to FILE
  -h, --help            this text`;

/**
 * The help text of `topic`.
 *
 * @since 0.1.0
 */
export function helpText(topic: HelpTopic): string {
  switch (topic) {
    case 'run':
      return RUN_USAGE;
    case 'merge':
      return MERGE_USAGE;
    case 'report':
      return REPORT_USAGE;
    default:
      return USAGE;
  }
}

const FN = PROGRAM;

/** Throws the `InvalidArgumentError` of a bad flag: its name, what it accepts, what was given. */
export function bad(argument: string, expected: string, given: unknown): never {
  throw new InvalidArgumentError({ fn: FN, argument, expected, given });
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** `text` if it is one of `options`, else an error naming `flag`. */
export function parseOneOf<const T extends string>(
  text: string,
  options: readonly T[],
  flag: string,
): T {
  if (!(options as readonly string[]).includes(text)) {
    bad(flag, `one of ${options.join(', ')}`, text);
  }
  return text as T;
}

/** An integer `>= min` (default 1), else an error naming `flag`. */
export function parsePositiveInt(text: string, flag: string, min = 1): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) bad(flag, `an integer >= ${min}`, text);
  return value;
}

/** `--threads`: an integer from 1 to 8 (the threads one wasm backend takes at most). */
export function parseThreads(text: string): number {
  const value = parsePositiveInt(text, '--threads');
  if (value > 8) bad('--threads', 'an integer from 1 to 8', text);
  return value;
}

/** A finite number `> 0`, else an error naming `flag`. */
export function parsePositiveNumber(text: string, flag: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value <= 0) bad(flag, 'a finite number > 0', text);
  return value;
}

/** Parses `a,b,c` into distinct values in the order given; duplicates are an error. */
export function parseList<T>(text: string, flag: string, item: (s: string) => T): T[] {
  const items = list(text);
  if (items.length === 0) bad(flag, 'a non-empty comma-separated list', text);
  const values = items.map(item);
  const seen = new Set<string>();
  for (const value of values) {
    const key = String(value);
    if (seen.has(key)) bad(flag, 'a list without duplicates', text);
    seen.add(key);
  }
  return values;
}

/**
 * `--seeds`: `N` (seeds 0..N-1), `a..b` (inclusive), or a comma list of integer seeds.
 * Seeds are integers in `[0, 2^32)`.
 *
 * @since 0.1.0
 */
export function parseSeeds(text: string): number[] {
  const flag = '--seeds';
  const expected = 'a count N, a range a..b or a comma-separated list of integer seeds';
  const trimmed = text.trim();
  const rangeMatch = /^(\d+)\.\.(\d+)$/.exec(trimmed);
  let seeds: number[];
  if (/^\d+$/.test(trimmed)) {
    const n = parsePositiveInt(trimmed, flag);
    seeds = Array.from({ length: n }, (_, i) => i);
  } else if (rangeMatch) {
    const a = Number(rangeMatch[1]);
    const b = Number(rangeMatch[2]);
    if (b < a) bad(flag, 'a range a..b with a <= b', text);
    seeds = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else if (trimmed.includes(',')) {
    seeds = parseList(trimmed, flag, (s) => {
      if (!/^\d+$/.test(s)) bad(flag, expected, text);
      return Number(s);
    });
  } else {
    bad(flag, expected, text);
  }
  if (seeds.some((s) => !Number.isSafeInteger(s) || s >= 2 ** 32)) {
    bad(flag, 'seeds below 2^32', text);
  }
  return seeds;
}

/**
 * `--shard i/n` with `1 <= i <= n`.
 *
 * @since 0.1.0
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    bad('--shard', 'i/n with integers 1 <= i <= n (e.g. 2/8)', text);
  }
  return { index, count };
}

/**
 * `--split train/validation/test` sizes.
 *
 * @since 0.1.0
 */
export function parseSplit(text: string): SplitSizes {
  const parts = text.trim().split('/');
  const sizes = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  if (sizes.length !== 3 || sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    bad('--split', 'train/validation/test sizes, three integers >= 1 (e.g. 6000/2000/2000)', text);
  }
  const [train, validation, test] = sizes as [number, number, number];
  return { train, validation, test };
}

/** `now` as a sortable directory name, e.g. `2025-01-31T12-34-56`. */
export function timestamp(now: Date): string {
  // 2025-01-31T12-34-56: sortable and valid in file names on every OS.
  return now.toISOString().slice(0, 19).replaceAll(':', '-');
}

/**
 * The flags of a run that both `uqjs-bench <dataset>` and `uqjs-bench segmentation` take: the
 * preset, the grid, the split and training flags, and how the runs are executed.
 *
 * @since 0.1.0
 */
export const SHARED_RUN_OPTIONS = {
  preset: { type: 'string' },
  quick: { type: 'boolean' },
  paper: { type: 'boolean' },
  methods: { type: 'string' },
  temperatures: { type: 'string' },
  'train-samples': { type: 'string' },
  seeds: { type: 'string' },
  split: { type: 'string' },
  'eval-samples': { type: 'string' },
  epochs: { type: 'string' },
  patience: { type: 'string' },
  'batch-size': { type: 'string' },
  'learning-rate': { type: 'string' },
  'data-dir': { type: 'string' },
  backend: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  workers: { type: 'string' },
  threads: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The values {@link parseFlags} gives for {@link SHARED_RUN_OPTIONS}. */
type SharedRunValues = Partial<ParsedFlags<typeof SHARED_RUN_OPTIONS>['values']>;

/**
 * The preset of `--quick`, `--paper` or `--preset` (the first two override the third, so
 * `nx run bench:<target> -- --paper`, whose script says `--preset quick`, runs the paper's
 * protocol); without any, `quick`: the paper's grid is only ever asked for by name.
 *
 * @since 0.1.0
 */
export function parsePreset(values: SharedRunValues): PresetName {
  if (values.quick && values.paper) bad('--quick', 'not combined with --paper', '--paper');
  return values.quick
    ? 'quick'
    : values.paper
      ? 'paper'
      : values.preset !== undefined
        ? parseOneOf(values.preset, PRESETS, '--preset')
        : 'quick';
}

/**
 * `--checksums FILE`: a JSON object from file names to hex digests (32 digits for MD5, 64 for
 * SHA-256), which the loaders check the files against instead of the official digests.
 *
 * @since 0.1.0
 */
export function readChecksums(file: string): Readonly<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    bad('--checksums', 'a readable JSON file', `${file} (${reason})`);
  }
  const entries =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? Object.entries(parsed)
      : [];
  if (entries.length === 0) {
    bad('--checksums', 'a JSON object {"file name": "hex digest", ...}', file);
  }
  for (const [name, digest] of entries) {
    if (typeof digest !== 'string' || !/^([0-9a-f]{32}|[0-9a-f]{64})$/i.test(digest)) {
      bad('--checksums', `a hex MD5 (32 digits) or SHA-256 (64) for ${name}`, digest);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * `--calibrate a,b,...`: post-hoc calibrators of {@link CALIBRATORS}, returned in that order
 * (so the same set always makes the same protocol).
 *
 * @since 0.1.0
 */
export function parseCalibrators(text: string): CalibratorName[] {
  const flag = '--calibrate';
  const names = parseList(text, flag, (name) => parseOneOf(name, CALIBRATORS, flag));
  return CALIBRATORS.filter((name) => names.includes(name));
}

/**
 * `--conformal a,b,...` with `--conformal-alpha A` (absent: {@link DEFAULT_CONFORMAL_ALPHA}):
 * score functions of {@link CONFORMAL_METHODS}, returned in that order (so the same set always
 * makes the same protocol), and a miscoverage in `(0, 1)`.
 *
 * @since 0.1.0
 */
export function parseConformal(methods: string, alpha: string | undefined): ConformalProtocol {
  const flag = '--conformal';
  const names = parseList(methods, flag, (name) => parseOneOf(name, CONFORMAL_METHODS, flag));
  let value = DEFAULT_CONFORMAL_ALPHA;
  if (alpha !== undefined) {
    value = alpha.trim() === '' ? Number.NaN : Number(alpha);
    if (!(value > 0 && value < 1)) bad('--conformal-alpha', 'a number in (0, 1)', alpha);
  }
  return { methods: CONFORMAL_METHODS.filter((name) => names.includes(name)), alpha: value };
}

/** `--resume` needs `--out`. */
export function checkResume(values: SharedRunValues): void {
  if (values.resume && values.out === undefined) {
    bad('--resume', 'used with --out <dir> of the run to resume', '--resume without --out');
  }
}

/**
 * The grid of `--methods` (each one of `methodNames`), `--temperatures`, `--train-samples` and
 * `--seeds`, each defaulting to the preset's.
 *
 * @since 0.1.0
 */
export function parseGridFlags<M extends string>(
  values: SharedRunValues,
  methodNames: readonly M[],
  defaults: {
    readonly methods: readonly M[];
    readonly temperatures: readonly number[];
    readonly trainSamples: readonly number[];
    readonly seeds: readonly number[];
  },
): {
  readonly methods: readonly M[];
  readonly temperatures: readonly number[];
  readonly trainSamples: readonly number[];
  readonly seeds: readonly number[];
} {
  return {
    methods:
      values.methods !== undefined
        ? parseList(values.methods, '--methods', (m) => parseOneOf(m, methodNames, '--methods'))
        : defaults.methods,
    temperatures:
      values.temperatures !== undefined
        ? parseList(values.temperatures, '--temperatures', (t) =>
            parsePositiveNumber(t, '--temperatures'),
          )
        : defaults.temperatures,
    trainSamples:
      values['train-samples'] !== undefined
        ? parseList(values['train-samples'], '--train-samples', (s) =>
            parsePositiveInt(s, '--train-samples'),
          )
        : defaults.trainSamples,
    seeds: values.seeds !== undefined ? parseSeeds(values.seeds) : defaults.seeds,
  };
}

/**
 * `--backend`, `--workers` and `--threads` (`null`: automatic).
 *
 * @since 0.1.0
 */
export function parseRunnerFlags(values: SharedRunValues): {
  readonly backend: BenchBackend | null;
  readonly workers: number | null;
  readonly threads: number | null;
} {
  return {
    backend:
      values.backend !== undefined ? parseOneOf(values.backend, BENCH_BACKENDS, '--backend') : null,
    workers: values.workers !== undefined ? parsePositiveInt(values.workers, '--workers') : null,
    threads: values.threads !== undefined ? parseThreads(values.threads) : null,
  };
}

const RUN_OPTIONS = {
  ...SHARED_RUN_OPTIONS,
  noise: { type: 'string' },
  'label-noise': { type: 'string' },
  'ensemble-size': { type: 'string' },
  model: { type: 'string' },
  calibrate: { type: 'string' },
  conformal: { type: 'string' },
  'conformal-alpha': { type: 'string' },
  download: { type: 'boolean' },
  checksums: { type: 'string' },
  shard: { type: 'string' },
  progress: { type: 'string' },
  version: { type: 'boolean' },
} as const;

/** What {@link parseFlags} returns for the flag table `O`. */
export type ParsedFlags<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/** Runs `parseArgs`, turning its errors into `InvalidArgumentError`s that say what to do. */
export function parseFlags<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O,
): ParsedFlags<O> {
  try {
    return parseArgs({
      args: [...argv],
      options,
      allowPositionals: true as const,
      strict: true as const,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(-[^']*)'/.exec(message)?.[1] ?? /(--?[\w-]+)/.exec(message)?.[1] ?? 'flags';
    const code = (error as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      bad(flag, `a known flag (see ${PROGRAM} --help)`, flag);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = flag.split(' ')[0] ?? flag;
      bad(name, `given a value (write ${name}=VALUE for a value that starts with '-')`, 'no value');
    }
    bad('flags', `valid (${message})`, argv.join(' '));
  }
}

/**
 * Parses and validates the command line (without `node` and the script path). Every problem
 * is an `InvalidArgumentError` naming the flag, what it accepts and what was given.
 *
 * @example
 * ```ts
 * const command = parseBenchArgs(['mnist', '--quick', '--seeds', '6']);
 * ```
 *
 * @since 0.1.0
 */
export function parseBenchArgs(argv: readonly string[], env: { now?: Date } = {}): BenchCommand {
  const first = argv[0];
  if (first === undefined) {
    bad('<dataset>', `one of ${DATASETS.join(', ')} (or merge, report, help)`, '');
  }
  if (first === 'merge') return parseMerge(argv.slice(1));
  if (first === 'report') return parseReport(argv.slice(1));
  if (first === 'help') return parseHelp(argv.slice(1));

  const { values, positionals } = parseFlags(argv, RUN_OPTIONS);
  if (values.version) return { kind: 'version' };
  if (values.help) return { kind: 'help', topic: positionals.length === 0 ? null : 'run' };
  if (positionals.length === 0) bad('<dataset>', `one of ${DATASETS.join(', ')}`, '');
  if (positionals.length > 1) {
    bad('arguments', 'one dataset followed by flags', positionals.join(' '));
  }
  const datasetText = positionals[0] === 'cifar' ? 'cifar10' : (positionals[0] ?? '');
  const dataset: DatasetName = parseOneOf(datasetText, DATASETS, '<dataset>');

  const preset = parsePreset(values);
  const defaults = presetDefaults(preset, dataset);

  const dataDir = values['data-dir'] ?? null;
  const split =
    values.split !== undefined
      ? parseSplit(values.split)
      : dataset === 'mnist' && dataDir !== null
        ? null // full MNIST from IDX files: the official split
        : defaults.protocol.split;
  const labelNoise =
    values['label-noise'] !== undefined
      ? parseOneOf(values['label-noise'], LABEL_NOISE, '--label-noise')
      : defaults.protocol.labelNoise;
  if (dataset === 'moons' && labelNoise === 'collier2020') {
    bad('--label-noise', "'none' for moons (collier2020 corrupts classes 5-9 of 10)", labelNoise);
  }
  // moons is generated: flags about data files would be silently ignored, so they are errors.
  if (values.download && dataset === 'moons') {
    bad('--download', 'used with mnist, cifar10 or svhn (moons is generated)', 'moons');
  }
  if (dataDir !== null && dataset === 'moons') {
    bad('--data-dir', 'used with mnist, cifar10 or svhn (moons is generated)', 'moons');
  }
  if (values.checksums !== undefined && dataset === 'moons') {
    bad('--checksums', 'used with mnist, cifar10 or svhn (moons is generated)', 'moons');
  }
  checkResume(values);

  const protocol = {
    ...defaults.protocol,
    split,
    labelNoise,
    model: values.model !== undefined ? parseOneOf(values.model, MODEL_SIZES, '--model') : 'paper',
    noise:
      values.noise !== undefined
        ? parseOneOf(values.noise, NOISE_KINDS, '--noise')
        : defaults.protocol.noise,
    evalSamples:
      values['eval-samples'] !== undefined
        ? parsePositiveInt(values['eval-samples'], '--eval-samples')
        : defaults.protocol.evalSamples,
    maxEpochs:
      values.epochs !== undefined
        ? parsePositiveInt(values.epochs, '--epochs')
        : defaults.protocol.maxEpochs,
    patience:
      values.patience !== undefined
        ? parsePositiveInt(values.patience, '--patience')
        : defaults.protocol.patience,
    batchSize:
      values['batch-size'] !== undefined
        ? parsePositiveInt(values['batch-size'], '--batch-size')
        : defaults.protocol.batchSize,
    learningRate:
      values['learning-rate'] !== undefined
        ? parsePositiveNumber(values['learning-rate'], '--learning-rate')
        : defaults.protocol.learningRate,
    ensembleSize:
      values['ensemble-size'] !== undefined
        ? parsePositiveInt(values['ensemble-size'], '--ensemble-size', 2)
        : defaults.protocol.ensembleSize,
    // Absent, not empty, without the flag: the protocols of earlier runs stay equal to it.
    ...(values.calibrate !== undefined ? { calibrators: parseCalibrators(values.calibrate) } : {}),
    ...(values.conformal !== undefined
      ? { conformal: parseConformal(values.conformal, values['conformal-alpha']) }
      : {}),
  } as const;
  if (values.conformal === undefined && values['conformal-alpha'] !== undefined) {
    bad(
      '--conformal-alpha',
      'given with --conformal (the score functions)',
      values['conformal-alpha'],
    );
  }

  const grid = parseGridFlags(values, METHOD_NAMES, defaults.grid);
  const imageMethods = grid.methods.filter((m) => methodTraits(m).needsImages === true);
  if (dataset === 'moons' && imageMethods.length > 0) {
    bad(
      '--methods',
      `free of methods that transform images (${imageMethods.join(', ')}) for moons, whose examples are 2-D points (use mnist, cifar10 or svhn)`,
      grid.methods.join(','),
    );
  }

  const shard = values.shard !== undefined ? parseShard(values.shard) : null;
  const { backend, workers, threads } = parseRunnerFlags(values);
  const execution: Execution = {
    out:
      values.out ??
      join(
        'results',
        dataset,
        `${timestamp(env.now ?? new Date())}${shard ? `-shard${shard.index}of${shard.count}` : ''}`,
      ),
    resume: values.resume ?? false,
    shard,
    workers,
    threads,
    backend,
    dataDir,
    download: values.download ?? false,
    checksums: values.checksums !== undefined ? readChecksums(values.checksums) : null,
    progress:
      values.progress !== undefined
        ? parseOneOf(values.progress, ['auto', 'lines', 'off'] as const, '--progress')
        : 'auto',
  };
  return { kind: 'run', config: { preset, protocol, grid, execution }, yes: values.yes ?? false };
}

function parseMerge(argv: readonly string[]): BenchCommand {
  const { values, positionals } = parseFlags(argv, {
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return { kind: 'help', topic: 'merge' };
  if (positionals.length === 0) bad('merge <dirs...>', 'at least one output directory', '');
  return { kind: 'merge', dirs: positionals, out: values.out ?? null };
}

function parseReport(argv: readonly string[]): BenchCommand {
  const { values, positionals } = parseFlags(argv, {
    to: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return { kind: 'help', topic: 'report' };
  if (positionals.length !== 1) bad('report <dir>', 'exactly one output directory', positionals);
  return { kind: 'report', dir: positionals[0] as string, to: values.to ?? null };
}

function parseHelp(argv: readonly string[]): BenchCommand {
  const { positionals } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } });
  if (positionals.length > 1) bad('help [command]', 'at most one command', positionals);
  const topic = positionals[0];
  if (topic === undefined) return { kind: 'help', topic: null };
  if (topic === 'merge' || topic === 'report' || topic === 'run') return { kind: 'help', topic };
  if (topic === 'cifar' || (DATASETS as readonly string[]).includes(topic)) {
    return { kind: 'help', topic: 'run' };
  }
  bad('help [command]', `one of run, merge, report or a dataset (${DATASETS.join(', ')})`, topic);
}
