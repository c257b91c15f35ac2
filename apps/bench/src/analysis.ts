import { meanStd, pairedTTest } from '@uqjs/metrics';
import {
  type CalibratorName,
  type ConformalMethodName,
  type ConformalProtocol,
  type Grid,
  METHOD_NAMES,
  type MethodName,
  type Protocol,
} from './config.js';
import { type Cell, cellKey } from './grid.js';
import { methodTraits } from './method-traits.js';
import type { ConformalScores, RunRecord, SplitMetrics } from './record.js';
import { dedupeRuns } from './runs-log.js';

/**
 * The metrics every arm is scored on; lower is better for all but accuracy.
 *
 * @since 0.1.0
 */
export const METRICS = ['nll', 'accuracy', 'ece', 'brier'] as const;
/**
 * A scored metric.
 *
 * @since 0.1.0
 */
export type MetricName = (typeof METRICS)[number];

/**
 * True when a larger value of `metric` is better.
 *
 * @since 0.1.0
 */
export function higherIsBetter(metric: MetricName): boolean {
  return metric === 'accuracy';
}

/**
 * A method at a temperature and training-sample count: a cell without its seed.
 *
 * @since 0.1.0
 */
export interface Arm {
  readonly method: MethodName;
  readonly temperature: number | null;
  readonly trainSamples: number | null;
}

/**
 * `heteroscedastic/tau=10/S=100`: the cell key without the seed.
 *
 * @since 0.1.0
 */
export function armKey(arm: Arm): string {
  return cellKey({ ...arm, seed: 0 }).replace(/\/seed=0$/, '');
}

/**
 * Mean and sample standard deviation across seeds.
 *
 * @since 0.1.0
 */
export interface MeanStd {
  readonly mean: number;
  /** `NaN` (`null` in `summary.json`) for a single seed: one value has no spread to measure. */
  readonly std: number;
}

/**
 * One arm's scores across its seeds.
 *
 * @since 0.1.0
 */
export interface ArmSummary {
  readonly arm: Arm;
  readonly key: string;
  readonly seeds: readonly number[];
  readonly test: Record<MetricName, MeanStd>;
  readonly validation: Record<MetricName, MeanStd>;
  /** Mean epochs trained and mean best epoch. */
  readonly epochs: number;
  readonly bestEpoch: number;
  /** True when the runs are those of another arm that is the same model (tempered-softmax at 1). */
  readonly aliasOf?: string;
}

/**
 * The temperature chosen on validation NLL for one method and training-sample count.
 *
 * @since 0.1.0
 */
export interface Selection {
  readonly method: MethodName;
  readonly trainSamples: number | null;
  /** Temperatures compared, ascending. */
  readonly temperatures: readonly number[];
  /** Seeds with a run at every temperature: the only seeds the choice is made on. */
  readonly seeds: readonly number[];
  /** Seeds with runs at some temperatures only, left out of the choice, and what they lack. */
  readonly incomplete: readonly { readonly seed: number; readonly missing: readonly number[] }[];
  /** Mean validation NLL per temperature, over `seeds`. */
  readonly validationNll: readonly number[];
  /** The pooled choice: lowest mean validation NLL over `seeds`. */
  readonly tauStar: number;
  /**
   * `'largest'` or `'smallest'` when `tauStar` is an end of the temperatures tried (of two or
   * more): the best value may lie beyond the grid. `null` otherwise.
   */
  readonly edge: 'smallest' | 'largest' | null;
  /** The choice made on each seed's own validation NLL (for each of `seeds`). */
  readonly perSeed: readonly { readonly seed: number; readonly tauStar: number }[];
}

/**
 * A paired two-tailed t-test of one metric across seeds, `a - b`.
 *
 * @since 0.1.0
 */
export interface PairedTest {
  readonly meanDifference: number;
  readonly sdDifference: number;
  readonly t: number;
  readonly df: number;
  readonly pValue: number;
  /**
   * `pValue` adjusted by Holm's step-down method over the family of tests of this metric (one
   * per comparison of the summary, see {@link Summary.family}); significance is read here.
   */
  readonly pAdjusted: number;
  /** Seeds on which `a` is better than `b`. */
  readonly wins: number;
}

/**
 * One seed of a comparison.
 *
 * @since 0.1.0
 */
export interface PairedSeed {
  readonly seed: number;
  readonly a: SplitMetrics;
  readonly b: SplitMetrics;
}

/**
 * Arm `a` against arm `b` on the seeds both ran.
 *
 * @since 0.1.0
 */
export interface Comparison {
  /** e.g. `heteroscedastic at tau* vs homoscedastic`. */
  readonly name: string;
  readonly a: string;
  readonly b: string;
  readonly trainSamples: number | null;
  readonly n: number;
  /** Seeds of the grid (or of either arm) without a run of both arms, left out of the test. */
  readonly missingSeeds: readonly number[];
  /** Per metric; `null` with fewer than 2 paired seeds. */
  readonly tests: Record<MetricName, PairedTest | null>;
  readonly perSeed: readonly PairedSeed[];
}

/**
 * What `summary.json` holds.
 *
 * @since 0.1.0
 */
export interface Summary {
  readonly protocol: Protocol;
  readonly grid: Grid;
  readonly runs: number;
  /** Sum of the runs' wall times, seconds (compute, not elapsed). */
  readonly computeSeconds: number;
  readonly backends: readonly string[];
  readonly arms: readonly ArmSummary[];
  readonly selections: readonly Selection[];
  readonly comparisons: readonly Comparison[];
  /**
   * The multiple-comparison correction: for each metric, the tests of all comparisons form one
   * family (`size` tests with a p-value), and `pAdjusted` is Holm's adjustment within it.
   */
  readonly family: { readonly method: 'holm'; readonly size: Record<MetricName, number> };
  /** Only with `--calibrate` (the protocol's `calibrators`): every arm after every calibrator. */
  readonly postHoc?: PostHocSummary;
  /** Only with `--conformal` (the protocol's `conformal`): every arm's prediction sets. */
  readonly conformal?: ConformalSummary;
}

/**
 * One arm's split-conformal prediction sets of one score function, over the seeds whose runs
 * hold them.
 *
 * @since 0.1.0
 */
export interface ConformalRow {
  /** {@link armKey} of the arm. */
  readonly key: string;
  readonly arm: Arm;
  readonly method: ConformalMethodName;
  readonly seeds: readonly number[];
  /** Test coverage of the sets. */
  readonly coverage: MeanStd;
  readonly meanSetSize: MeanStd;
  readonly emptyFraction: MeanStd;
  /** Size-stratified coverage violation, `max_s |coverage_s - (1 - alpha)|`. */
  readonly violation: MeanStd;
}

/**
 * The conformal prediction sets table: the protocol's score functions and miscoverage, and a
 * row per arm (aliases left out) and score function.
 *
 * @since 0.1.0
 */
export interface ConformalSummary extends ConformalProtocol {
  readonly rows: readonly ConformalRow[];
}

/**
 * The metrics a post-hoc calibrator is tested on (after against before).
 *
 * @since 0.1.0
 */
export const POST_HOC_METRICS = ['ece', 'nll', 'brier'] as const;
/**
 * A metric of the post-hoc tests.
 *
 * @since 0.1.0
 */
export type PostHocMetric = (typeof POST_HOC_METRICS)[number];

/**
 * One arm after one post-hoc calibrator, on the seeds whose runs hold its scores.
 *
 * @since 0.1.0
 */
export interface PostHocRow {
  /** {@link armKey} of the arm. */
  readonly key: string;
  readonly arm: Arm;
  readonly calibrator: CalibratorName;
  readonly seeds: readonly number[];
  /** Test scores without calibration, over `seeds`. */
  readonly before: Record<MetricName, MeanStd>;
  /** Test scores after the calibrator, over `seeds`. */
  readonly after: Record<MetricName, MeanStd>;
  /** Paired two-tailed t-tests of after - before; `wins`: seeds where after is lower. `null` with fewer than 2 seeds. */
  readonly tests: Record<PostHocMetric, PairedTest | null>;
}

/**
 * The post-hoc calibration table: each metric's tests over all rows form one family, apart
 * from {@link Summary.family}, and `pAdjusted` is Holm's adjustment within it.
 *
 * @since 0.1.0
 */
export interface PostHocSummary {
  readonly calibrators: readonly CalibratorName[];
  readonly rows: readonly PostHocRow[];
  readonly family: { readonly method: 'holm'; readonly size: Record<PostHocMetric, number> };
}

function armOf(cell: Cell): Arm {
  return { method: cell.method, temperature: cell.temperature, trainSamples: cell.trainSamples };
}

/** Runs grouped by arm, in the order arms first appear. */
function groupByArm(records: readonly RunRecord[]): Map<string, RunRecord[]> {
  const groups = new Map<string, RunRecord[]>();
  for (const record of records) {
    const key = armKey(armOf(record.cell));
    const group = groups.get(key) ?? [];
    group.push(record);
    groups.set(key, group);
  }
  for (const group of groups.values()) group.sort((x, y) => x.cell.seed - y.cell.seed);
  return groups;
}

/**
 * The tempered-softmax model at temperature 1 is the homoscedastic model, so when the grid
 * trains only the latter ({@link enumerateCells}), its runs stand in for the former.
 */
function withAliases(groups: Map<string, RunRecord[]>, grid: Grid): Map<string, string> {
  const aliases = new Map<string, string>();
  const tempered1 = armKey({ method: 'tempered-softmax', temperature: 1, trainSamples: null });
  const homo = armKey({ method: 'homoscedastic', temperature: null, trainSamples: null });
  const homoRuns = groups.get(homo);
  if (
    grid.methods.includes('tempered-softmax') &&
    grid.temperatures.includes(1) &&
    !groups.has(tempered1) &&
    homoRuns !== undefined
  ) {
    groups.set(
      tempered1,
      homoRuns.map((r) => ({
        ...r,
        cell: { ...r.cell, method: 'tempered-softmax', temperature: 1 },
      })),
    );
    aliases.set(tempered1, homo);
  }
  return aliases;
}

function scores(records: readonly RunRecord[], split: 'test' | 'validation') {
  return meanScores(records.map((r) => r[split]));
}

/** Mean and sample standard deviation of `values` (one per seed); std `NaN` for one seed. */
function acrossSeeds(values: readonly number[]): MeanStd {
  const { mean, std } = values.length > 1 ? meanStd(values) : { mean: values[0] ?? NaN, std: NaN };
  return { mean, std };
}

/** Mean and sample standard deviation of each metric over `splits` (one per seed). */
function meanScores(splits: readonly SplitMetrics[]): Record<MetricName, MeanStd> {
  return Object.fromEntries(
    METRICS.map((metric) => [metric, acrossSeeds(splits.map((split) => split[metric]))]),
  ) as Record<MetricName, MeanStd>;
}

function average(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function summarizeArm(key: string, records: readonly RunRecord[], aliasOf?: string): ArmSummary {
  const first = records[0] as RunRecord;
  return {
    arm: armOf(first.cell),
    key,
    seeds: records.map((r) => r.cell.seed),
    test: scores(records, 'test'),
    validation: scores(records, 'validation'),
    epochs: average(records.map((r) => r.epochs)),
    bestEpoch: average(records.map((r) => r.bestEpoch)),
    ...(aliasOf !== undefined ? { aliasOf } : {}),
  };
}

/**
 * Picks `tau*` for every method with a temperature and every training-sample count, on the
 * seeds that ran every temperature (a seed missing one is reported in `incomplete`, never
 * averaged over): the temperature with the lowest validation NLL averaged over those seeds
 * (pooled), and separately the lowest on each seed's own validation set.
 */
function selectTemperatures(groups: Map<string, RunRecord[]>): Selection[] {
  const families = new Map<string, { method: MethodName; trainSamples: number | null }>();
  for (const records of groups.values()) {
    const { method, temperature, trainSamples } = (records[0] as RunRecord).cell;
    if (temperature !== null) families.set(`${method}|${trainSamples}`, { method, trainSamples });
  }
  const ordered = [...families.values()].sort(
    (x, y) => x.method.localeCompare(y.method) || (x.trainSamples ?? 0) - (y.trainSamples ?? 0),
  );
  return ordered.map(({ method, trainSamples }) => {
    const byTau = [...groups.values()]
      .filter((rs) => {
        const c = (rs[0] as RunRecord).cell;
        return c.method === method && c.trainSamples === trainSamples && c.temperature !== null;
      })
      .map((rs) => ({ tau: (rs[0] as RunRecord).cell.temperature as number, runs: rs }))
      .sort((x, y) => x.tau - y.tau);
    const { all: allSeeds, complete: seeds } = seedsOfEvery(byTau.map(({ runs }) => runs));
    const has = (runs: readonly RunRecord[], seed: number) =>
      runs.some((r) => r.cell.seed === seed);
    const incomplete = allSeeds
      .filter((seed) => !seeds.includes(seed))
      .map((seed) => ({
        seed,
        missing: byTau.filter(({ runs }) => !has(runs, seed)).map(({ tau }) => tau),
      }));
    const validationNll = byTau.map(({ runs }) =>
      seeds.length === 0
        ? NaN
        : average(runs.filter((r) => seeds.includes(r.cell.seed)).map((r) => r.validation.nll)),
    );
    const finite = validationNll.filter(Number.isFinite);
    const best = finite.length === 0 ? -1 : validationNll.indexOf(Math.min(...finite));
    const perSeed = seeds.map((seed) => {
      const candidates = byTau.map(({ tau, runs }) => ({
        tau,
        run: runs.find((r) => r.cell.seed === seed) as RunRecord,
      }));
      const chosen = candidates.reduce((x, y) =>
        y.run.validation.nll < x.run.validation.nll ? y : x,
      );
      return { seed, tauStar: chosen.tau };
    });
    const edge = gridEdge(best, byTau.length);
    return {
      method,
      trainSamples,
      temperatures: byTau.map(({ tau }) => tau),
      seeds,
      incomplete,
      validationNll,
      tauStar: byTau[best]?.tau ?? NaN,
      edge,
      perSeed,
    };
  });
}

/**
 * The seeds of `groups` (each the runs of one temperature), sorted: `all` that any group ran,
 * `complete` that every group ran.
 *
 * @since 0.1.0
 */
export function seedsOfEvery(
  groups: readonly (readonly { readonly cell: { readonly seed: number } }[])[],
): {
  readonly all: number[];
  readonly complete: number[];
} {
  const all = [...new Set(groups.flatMap((runs) => runs.map((r) => r.cell.seed)))].sort(
    (x, y) => x - y,
  );
  const complete = all.filter((seed) =>
    groups.every((runs) => runs.some((r) => r.cell.seed === seed)),
  );
  return { all, complete };
}

/**
 * Whether the chosen temperature, index `best` of `count` in ascending order, is the smallest
 * or the largest tried (of two or more), where the best may lie beyond the grid; `null` when it
 * is inside, or nothing was chosen (`best < 0`).
 *
 * @since 0.1.0
 */
export function gridEdge(best: number, count: number): 'smallest' | 'largest' | null {
  if (best < 0 || count < 2) return null;
  return best === count - 1 ? 'largest' : best === 0 ? 'smallest' : null;
}

/**
 * Holm's step-down adjustment of `pValues` (one family): the i-th smallest `p` becomes
 * `max over j <= i of min(1, (m - j + 1) p_(j))`, with `m` the number of finite p-values.
 * Controls the family-wise error rate under any dependence. Non-finite entries stay `NaN` and
 * are not counted in `m`.
 *
 * @example
 * ```ts
 * holmAdjust([0.01, 0.04, 0.03]); // [0.03, 0.06, 0.06]
 * ```
 *
 * @since 0.1.0
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => Number.isFinite(p))
    .sort((x, y) => x.p - y.p || x.i - y.i);
  const m = order.length;
  const adjusted = pValues.map(() => NaN);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

function pairedTest(metric: MetricName, pairs: readonly PairedSeed[]): PairedTest | null {
  if (pairs.length < 2) return null;
  return pairedScores(
    pairs.map((p) => p.a[metric]),
    pairs.map((p) => p.b[metric]),
    higherIsBetter(metric),
  );
}

/**
 * The paired two-tailed t-test of `a - b` (one score per seed, in the same seed order) and the
 * seeds on which `a` is better (higher when `higherBetter`, else lower); `pAdjusted` is the raw
 * p-value until {@link adjustFamilies} sees the other tests of its family.
 *
 * @since 0.1.0
 */
export function pairedScores(
  a: readonly number[],
  b: readonly number[],
  higherBetter: boolean,
): PairedTest {
  const wins = a.filter((x, i) =>
    higherBetter ? x > (b[i] as number) : x < (b[i] as number),
  ).length;
  const result = pairedTTest(a, b);
  return {
    meanDifference: result.meanDifference,
    sdDifference: result.sdDifference,
    t: result.t,
    df: result.df,
    pValue: result.pValue,
    pAdjusted: result.pValue, // a family of one until adjustTests sees the others
    wins,
  };
}

/**
 * Pairs two arms' runs by seed and tests every metric, on the seeds both arms ran; the other
 * seeds of either arm or of `expectedSeeds` (the grid's) are listed in `missingSeeds`.
 * `pAdjusted` is the raw p-value here: {@link summarize} adjusts it over all its comparisons.
 *
 * @since 0.1.0
 */
export function compareArms(
  name: string,
  a: { key: string; runs: readonly RunRecord[] },
  b: { key: string; runs: readonly RunRecord[] },
  trainSamples: number | null,
  expectedSeeds: readonly number[] = [],
): Comparison {
  const perSeed = a.runs.flatMap((ra) => {
    const rb = b.runs.find((r) => r.cell.seed === ra.cell.seed);
    return rb === undefined ? [] : [{ seed: ra.cell.seed, a: ra.test, b: rb.test }];
  });
  const paired = new Set(perSeed.map((p) => p.seed));
  const missingSeeds = [
    ...new Set([
      ...expectedSeeds,
      ...a.runs.map((r) => r.cell.seed),
      ...b.runs.map((r) => r.cell.seed),
    ]),
  ]
    .filter((seed) => !paired.has(seed))
    .sort((x, y) => x - y);
  return {
    name,
    a: a.key,
    b: b.key,
    trainSamples,
    n: perSeed.length,
    missingSeeds,
    tests: Object.fromEntries(METRICS.map((m) => [m, pairedTest(m, perSeed)])) as Record<
      MetricName,
      PairedTest | null
    >,
    perSeed,
  };
}

/** Every method without a temperature, in {@link METHOD_NAMES} order: each is compared once. */
const BASELINES: readonly MethodName[] = METHOD_NAMES.filter(
  (method) => !methodTraits(method).usesTemperature,
);

/**
 * The comparisons of the paper's Table 1 and of issue #14, for each training-sample count:
 * heteroscedastic at `tau*` against the homoscedastic model, against itself at `tau = 1`,
 * against the tempered-softmax control at its own `tau*`, and against every other baseline that
 * ran; plus the tempered-softmax control at `tau*` against the homoscedastic model.
 */
function planComparisons(
  groups: Map<string, RunRecord[]>,
  selections: readonly Selection[],
  seeds: readonly number[],
): Comparison[] {
  const compare = (
    name: string,
    a: { key: string; runs: readonly RunRecord[] },
    b: { key: string; runs: readonly RunRecord[] },
    trainSamples: number | null,
  ) => compareArms(name, a, b, trainSamples, seeds);
  const get = (arm: Arm) => {
    const key = armKey(arm);
    const runs = groups.get(key);
    return runs === undefined ? undefined : { key, runs };
  };
  const comparisons: Comparison[] = [];
  const tempered = selections.find((s) => s.method === 'tempered-softmax');
  const temperedStar = tempered
    ? get({ method: 'tempered-softmax', temperature: tempered.tauStar, trainSamples: null })
    : undefined;
  for (const selection of selections.filter((s) => s.method === 'heteroscedastic')) {
    const { trainSamples, tauStar } = selection;
    const hetero = get({ method: 'heteroscedastic', temperature: tauStar, trainSamples });
    if (hetero === undefined) continue;
    const label = `heteroscedastic at tau*=${tauStar}`;
    for (const baseline of BASELINES) {
      const other = get({ method: baseline, temperature: null, trainSamples: null });
      if (other) comparisons.push(compare(`${label} vs ${baseline}`, hetero, other, trainSamples));
    }
    // HetSNGP sweeps temperatures too: compared at its own tau* for the same sample count.
    const hetSngp = selections.find(
      (s) => s.method === 'het-sngp' && s.trainSamples === trainSamples,
    );
    const hetSngpStar = hetSngp
      ? get({ method: 'het-sngp', temperature: hetSngp.tauStar, trainSamples })
      : undefined;
    if (hetSngp && hetSngpStar) {
      comparisons.push(
        compare(
          `${label} vs het-sngp at tau*=${hetSngp.tauStar}`,
          hetero,
          hetSngpStar,
          trainSamples,
        ),
      );
    }
    const atOne = get({ method: 'heteroscedastic', temperature: 1, trainSamples });
    if (atOne && tauStar !== 1) {
      comparisons.push(compare(`${label} vs tau=1`, hetero, atOne, trainSamples));
    }
    // At tau*=1 the tempered control is the homoscedastic model: that comparison is above.
    const repeatsHomoscedastic =
      tempered?.tauStar === 1 &&
      get({ method: 'homoscedastic', temperature: null, trainSamples: null });
    if (temperedStar && tempered && !repeatsHomoscedastic) {
      comparisons.push(
        compare(
          `${label} vs tempered-softmax at tau*=${tempered.tauStar}`,
          hetero,
          temperedStar,
          trainSamples,
        ),
      );
    }
  }
  const homo = get({ method: 'homoscedastic', temperature: null, trainSamples: null });
  if (temperedStar && tempered && homo && tempered.tauStar !== 1) {
    comparisons.push(
      compare(
        `tempered-softmax at tau*=${tempered.tauStar} vs homoscedastic`,
        temperedStar,
        homo,
        null,
      ),
    );
  }
  return comparisons;
}

/**
 * Everything the report says, computed from the finished runs: per-arm means and standard
 * deviations, `tau*` per method and training-sample count (pooled and per seed), and paired
 * two-tailed t-tests across seeds. Pure: the same runs give the same summary. Runs are counted
 * once per cell: a repeated run with the same results is ignored.
 *
 * @throws {DataError} when two runs of one cell have different results.
 *
 * @example
 * ```ts
 * const summary = summarize(readRuns(dir).records, config.protocol, config.grid);
 * ```
 *
 * @since 0.1.0
 */
export function summarize(
  allRecords: readonly RunRecord[],
  protocol: Protocol,
  grid: Grid,
): Summary {
  // A cell counts once, however many times it was trained (see readRuns).
  const records = dedupeRuns(
    allRecords.map((record, i) => ({ record, where: `run ${i + 1}` })),
    'summarize',
  ).kept.map((r) => r.record);
  const groups = groupByArm(records);
  const aliases = withAliases(groups, grid);
  const arms = [...groups.entries()]
    .map(([key, runs]) => summarizeArm(key, runs, aliases.get(key)))
    .sort(compareArmOrder);
  const selections = selectTemperatures(groups);
  const { comparisons, size } = adjustFamilies(
    planComparisons(groups, selections, grid.seeds),
    METRICS,
  );
  return {
    protocol,
    grid,
    runs: records.length,
    computeSeconds: records.reduce((sum, r) => sum + r.seconds, 0),
    backends: [...new Set(records.map((r) => r.backend))].sort(),
    arms,
    selections,
    comparisons,
    family: { method: 'holm', size },
    ...(protocol.calibrators !== undefined
      ? { postHoc: summarizePostHoc(protocol.calibrators, arms, groups) }
      : {}),
    ...(protocol.conformal !== undefined
      ? { conformal: summarizeConformal(protocol.conformal, arms, groups) }
      : {}),
  };
}

/**
 * Holm-adjusts each metric's p-values over all `comparisons` (one family per metric of
 * `metrics`, the keys of each comparison's `tests`): every test gets its `pAdjusted`, and
 * `size[metric]` is the number of finite p-values of that family.
 *
 * @since 0.1.0
 */
export function adjustFamilies<
  M extends string,
  T extends { readonly pValue: number; readonly pAdjusted: number },
  C extends { readonly tests: { readonly [K in M]?: T | null } },
>(comparisons: readonly C[], metrics: readonly M[]): { comparisons: C[]; size: Record<M, number> } {
  const adjusted = new Map<M, number[]>();
  const size = {} as Record<M, number>;
  for (const metric of metrics) {
    const p = comparisons.map((c) => c.tests[metric]?.pValue ?? NaN);
    adjusted.set(metric, holmAdjust(p));
    size[metric] = p.filter(Number.isFinite).length;
  }
  return {
    comparisons: comparisons.map((c, i) => ({
      ...c,
      tests: Object.fromEntries(
        metrics.map((metric) => {
          const test = c.tests[metric];
          return [
            metric,
            test == null ? null : { ...test, pAdjusted: adjusted.get(metric)?.[i] ?? NaN },
          ];
        }),
      ) as C['tests'],
    })),
    size,
  };
}

/**
 * Every arm (in `arms` order, aliases left out: they repeat another arm's runs) after every
 * calibrator of `calibrators`, tested after against before on the seeds whose runs hold that
 * calibrator's scores; Holm-adjusted per metric over all rows.
 */
function summarizePostHoc(
  calibrators: readonly CalibratorName[],
  arms: readonly ArmSummary[],
  groups: Map<string, RunRecord[]>,
): PostHocSummary {
  const rows = arms
    .filter((arm) => arm.aliasOf === undefined)
    .flatMap((arm) =>
      calibrators.map((calibrator): PostHocRow => {
        const runs = (groups.get(arm.key) ?? []).filter((r) => r.calibrated?.[calibrator]);
        const after = runs.map((r) => r.calibrated?.[calibrator] as SplitMetrics);
        const before = runs.map((r) => r.test);
        const tests = Object.fromEntries(
          POST_HOC_METRICS.map((metric) => [
            metric,
            runs.length < 2
              ? null
              : pairedScores(
                  after.map((m) => m[metric]),
                  before.map((m) => m[metric]),
                  higherIsBetter(metric),
                ),
          ]),
        ) as Record<PostHocMetric, PairedTest | null>;
        return {
          key: arm.key,
          arm: arm.arm,
          calibrator,
          seeds: runs.map((r) => r.cell.seed),
          before: meanScores(before),
          after: meanScores(after),
          tests,
        };
      }),
    );
  const { comparisons, size } = adjustFamilies(rows, POST_HOC_METRICS);
  return { calibrators, rows: comparisons, family: { method: 'holm', size } };
}

/**
 * Every arm (in `arms` order, aliases left out) with every score function of `conformal`: the
 * mean and sd over the seeds whose runs hold that function's scores.
 */
function summarizeConformal(
  conformal: ConformalProtocol,
  arms: readonly ArmSummary[],
  groups: Map<string, RunRecord[]>,
): ConformalSummary {
  const rows = arms
    .filter((arm) => arm.aliasOf === undefined)
    .flatMap((arm) =>
      conformal.methods.map((method): ConformalRow => {
        const runs = (groups.get(arm.key) ?? []).filter((r) => r.conformal?.[method]);
        const sets = runs.map((r) => r.conformal?.[method] as ConformalScores);
        return {
          key: arm.key,
          arm: arm.arm,
          method,
          seeds: runs.map((r) => r.cell.seed),
          coverage: acrossSeeds(sets.map((s) => s.coverage)),
          meanSetSize: acrossSeeds(sets.map((s) => s.meanSetSize)),
          emptyFraction: acrossSeeds(sets.map((s) => s.emptyFraction)),
          violation: acrossSeeds(sets.map((s) => s.violation)),
        };
      }),
    );
  return { methods: conformal.methods, alpha: conformal.alpha, rows };
}

/** Arms in the order of `METHOD_NAMES`, then training samples, then temperature. */
function compareArmOrder(x: ArmSummary, y: ArmSummary): number {
  const order: readonly MethodName[] = METHOD_NAMES;
  return (
    order.indexOf(x.arm.method) - order.indexOf(y.arm.method) ||
    (x.arm.trainSamples ?? 0) - (y.arm.trainSamples ?? 0) ||
    (x.arm.temperature ?? 0) - (y.arm.temperature ?? 0)
  );
}

/**
 * The runs of an arm, for plots that need per-run data.
 *
 * @since 0.1.0
 */
export function runsOfArm(records: readonly RunRecord[], key: string): RunRecord[] {
  return records.filter((r) => armKey(armOf(r.cell)) === key);
}
