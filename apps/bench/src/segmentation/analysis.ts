import { meanStd } from '@uqjs/metrics';
import {
  adjustFamilies,
  armKey,
  gridEdge,
  type MeanStd,
  type PairedTest,
  pairedScores,
  seedsOfEvery,
} from '../analysis.js';
import type { Cell } from '../grid.js';
import type { RunRecord } from '../record.js';
import type { SegmentationScores } from './evaluate.js';
import type { SegmentationGrid } from './protocol.js';

/**
 * One finished segmentation run, a line of `runs.jsonl`: the classifier bench's
 * {@link RunRecord} fields that are not about classification, with segmentation scores and
 * the picture grid.
 *
 * @since 0.1.0
 */
export interface SegmentationRunRecord
  extends Pick<
    RunRecord,
    'key' | 'cell' | 'bestEpoch' | 'epochs' | 'history' | 'seconds' | 'backend' | 'finishedAt'
  > {
  /** Scores at the best validation epoch (the checkpoint that is tested). */
  readonly validation: SegmentationScores;
  readonly test: SegmentationScores;
  /** The picture grid of this run, relative to the output directory; `null` when none was drawn. */
  readonly picture: string | null;
}

/**
 * The scalar scores the summary averages and tests; `meanIoU` and `pixelAccuracy` are better
 * higher, the others lower.
 *
 * @since 0.1.0
 */
export const SEGMENTATION_METRICS = ['meanIoU', 'pixelAccuracy', 'nll', 'ece', 'oodAuroc'] as const;
/**
 * A scored segmentation metric.
 *
 * @since 0.1.0
 */
export type SegmentationMetric = (typeof SEGMENTATION_METRICS)[number];

/** The metrics with paired tests in the report (the issue's: mean IoU and NLL). */
export const TESTED_METRICS: readonly SegmentationMetric[] = ['meanIoU', 'nll'];

/**
 * The value of `metric` in `scores` (`oodAuroc`: NaN without OOD pixels).
 *
 * @since 0.1.0
 */
export function metricValue(scores: SegmentationScores, metric: SegmentationMetric): number {
  return metric === 'oodAuroc' ? (scores.ood?.auroc ?? Number.NaN) : scores[metric];
}

function higherIsBetter(metric: SegmentationMetric): boolean {
  return metric !== 'nll' && metric !== 'ece';
}

/**
 * One arm (a cell without its seed) across seeds.
 *
 * @since 0.1.0
 */
export interface SegmentationArm {
  readonly key: string;
  readonly method: Cell['method'];
  readonly temperature: number | null;
  readonly trainSamples: number | null;
  readonly seeds: readonly number[];
  readonly test: Record<SegmentationMetric, MeanStd>;
  readonly validation: Record<SegmentationMetric, MeanStd>;
}

/**
 * `tau*` of the heteroscedastic arm at one training-sample count, chosen on the mean over
 * seeds of a validation criterion (higher mIoU or lower NLL), on the seeds that ran every
 * temperature.
 *
 * @since 0.1.0
 */
export interface SegmentationSelection {
  readonly criterion: 'meanIoU' | 'nll';
  readonly trainSamples: number | null;
  readonly temperatures: readonly number[];
  readonly seeds: readonly number[];
  readonly validation: readonly number[];
  readonly tauStar: number;
  /** `tauStar` is the smallest or largest temperature tried (of two or more). */
  readonly edge: 'smallest' | 'largest' | null;
}

/**
 * A paired two-tailed t-test over seeds of `a - b` (the classifier bench's, without the
 * standard deviation of the differences); `pAdjusted` is Holm's over the family of that
 * metric's tests in the summary, `wins` the seeds on which `a` is better.
 *
 * @since 0.1.0
 */
export type SegmentationTest = Omit<PairedTest, 'sdDifference'>;

/**
 * Arm `a` against arm `b` on the seeds both ran.
 *
 * @since 0.1.0
 */
export interface SegmentationComparison {
  readonly name: string;
  readonly a: string;
  readonly b: string;
  readonly n: number;
  readonly tests: Record<string, SegmentationTest | null>;
}

/**
 * What `summary.json` holds.
 *
 * @since 0.1.0
 */
export interface SegmentationSummary {
  readonly runs: number;
  readonly computeSeconds: number;
  readonly backends: readonly string[];
  readonly arms: readonly SegmentationArm[];
  readonly selections: readonly SegmentationSelection[];
  readonly comparisons: readonly SegmentationComparison[];
}

function armOf(cell: Cell): string {
  return armKey({
    method: cell.method,
    temperature: cell.temperature,
    trainSamples: cell.trainSamples,
  });
}

function stats(values: readonly number[]): MeanStd {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { mean: Number.NaN, std: Number.NaN };
  return finite.length > 1 ? meanStd(finite) : { mean: finite[0] as number, std: Number.NaN };
}

function scoresOf(runs: readonly SegmentationRunRecord[], split: 'test' | 'validation') {
  return Object.fromEntries(
    SEGMENTATION_METRICS.map((m) => [m, stats(runs.map((r) => metricValue(r[split], m)))]),
  ) as Record<SegmentationMetric, MeanStd>;
}

function select(
  groups: Map<string, SegmentationRunRecord[]>,
  criterion: 'meanIoU' | 'nll',
  trainSamples: number | null,
): SegmentationSelection | null {
  const byTau = [...groups.values()]
    .filter((runs) => {
      const c = (runs[0] as SegmentationRunRecord).cell;
      return (
        c.method === 'heteroscedastic' && c.trainSamples === trainSamples && c.temperature !== null
      );
    })
    .map((runs) => ({ tau: (runs[0] as SegmentationRunRecord).cell.temperature as number, runs }))
    .sort((x, y) => x.tau - y.tau);
  if (byTau.length === 0) return null;
  const seeds = seedsOfEvery(byTau.map(({ runs }) => runs)).complete;
  const validation = byTau.map(({ runs }) => {
    const values = runs
      .filter((r) => seeds.includes(r.cell.seed))
      .map((r) => r.validation[criterion]);
    return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  });
  const better = (x: number, y: number) => (criterion === 'nll' ? x < y : x > y);
  let best = -1;
  validation.forEach((v, i) => {
    if (Number.isFinite(v) && (best < 0 || better(v, validation[best] as number))) best = i;
  });
  return {
    criterion,
    trainSamples,
    temperatures: byTau.map(({ tau }) => tau),
    seeds,
    validation,
    tauStar: byTau[best]?.tau ?? Number.NaN,
    edge: gridEdge(best, byTau.length),
  };
}

function compare(
  name: string,
  a: { key: string; runs: readonly SegmentationRunRecord[] },
  b: { key: string; runs: readonly SegmentationRunRecord[] },
): SegmentationComparison {
  const pairs = a.runs.flatMap((ra) => {
    const rb = b.runs.find((r) => r.cell.seed === ra.cell.seed);
    return rb === undefined ? [] : [{ a: ra.test, b: rb.test }];
  });
  const tests: Record<string, SegmentationTest | null> = {};
  for (const metric of TESTED_METRICS) {
    const xs = pairs.map((p) => metricValue(p.a, metric));
    const ys = pairs.map((p) => metricValue(p.b, metric));
    if (pairs.length < 2) {
      tests[metric] = null;
      continue;
    }
    // summary.json keeps its fields: the test without sdDifference.
    const { sdDifference: _, ...test } = pairedScores(xs, ys, higherIsBetter(metric));
    tests[metric] = test;
  }
  return { name, a: a.key, b: b.key, n: pairs.length, tests };
}

/**
 * Per-arm means and standard deviations over seeds, `tau*` by validation mIoU and by
 * validation NLL for every training-sample count, and paired t-tests on test mIoU and NLL:
 * heteroscedastic at each `tau*` against the homoscedastic model and against itself at
 * `tau = 1`, Holm-adjusted per metric over all comparisons. Pure.
 *
 * @since 0.1.0
 */
export function summarizeSegmentation(
  records: readonly SegmentationRunRecord[],
  grid: SegmentationGrid,
): SegmentationSummary {
  const groups = new Map<string, SegmentationRunRecord[]>();
  for (const record of records) {
    const key = armOf(record.cell);
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  for (const runs of groups.values()) runs.sort((x, y) => x.cell.seed - y.cell.seed);
  const arms = [...groups.entries()]
    .map(([key, runs]): SegmentationArm => {
      const cell = (runs[0] as SegmentationRunRecord).cell;
      return {
        key,
        method: cell.method,
        temperature: cell.temperature,
        trainSamples: cell.trainSamples,
        seeds: runs.map((r) => r.cell.seed),
        test: scoresOf(runs, 'test'),
        validation: scoresOf(runs, 'validation'),
      };
    })
    .sort(
      (x, y) =>
        Number(x.method !== 'homoscedastic') - Number(y.method !== 'homoscedastic') ||
        (x.trainSamples ?? 0) - (y.trainSamples ?? 0) ||
        (x.temperature ?? 0) - (y.temperature ?? 0),
    );
  const selections = grid.trainSamples.flatMap((s) =>
    (['meanIoU', 'nll'] as const).flatMap((criterion) => select(groups, criterion, s) ?? []),
  );
  const get = (cell: Omit<Cell, 'seed'>) => {
    const key = armOf({ ...cell, seed: 0 });
    const runs = groups.get(key);
    return runs === undefined ? undefined : { key, runs };
  };
  const homo = get({ method: 'homoscedastic', temperature: null, trainSamples: null });
  const planned: SegmentationComparison[] = [];
  const seen = new Set<string>();
  for (const selection of selections) {
    const { tauStar, trainSamples, criterion } = selection;
    const hetero = get({ method: 'heteroscedastic', temperature: tauStar, trainSamples });
    if (hetero === undefined) continue;
    const label = `heteroscedastic at tau*=${tauStar} (validation ${criterion === 'nll' ? 'NLL' : 'mIoU'})`;
    const atOne = get({ method: 'heteroscedastic', temperature: 1, trainSamples });
    for (const [other, what] of [
      [homo, 'homoscedastic'],
      [tauStar !== 1 ? atOne : undefined, 'tau=1'],
    ] as const) {
      if (other === undefined || seen.has(`${hetero.key}|${other.key}`)) continue;
      seen.add(`${hetero.key}|${other.key}`);
      planned.push(compare(`${label} vs ${what}`, hetero, other));
    }
  }
  // Holm's adjustment, one family per tested metric.
  const { comparisons } = adjustFamilies(planned, TESTED_METRICS);
  return {
    runs: records.length,
    computeSeconds: records.reduce((sum, r) => sum + r.seconds, 0),
    backends: [...new Set(records.map((r) => r.backend))].sort(),
    arms,
    selections,
    comparisons,
  };
}
