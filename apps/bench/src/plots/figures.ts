import { type ReliabilityBin, reliabilityDiagramSvg } from '@uqjs/metrics';
import { type ArmSummary, runsOfArm, type Summary } from '../analysis.js';
import type { RunRecord } from '../record.js';
import { dotPlot, heatmap, linePlot } from './svg.js';

/**
 * One plot of the report.
 *
 * @since 0.1.0
 */
export interface Figure {
  /** File name inside the output directory. */
  readonly file: string;
  readonly caption: string;
  readonly svg: string;
}

function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

function seriesOf(arms: readonly ArmSummary[], metric: 'nll' | 'accuracy') {
  return arms
    .filter((a) => a.arm.temperature !== null)
    .map((a) => ({
      x: a.arm.temperature as number,
      y: a.test[metric].mean,
      err: finiteOrZero(a.test[metric].std), // a single seed has no sd (NaN)
    }));
}

/** Methods drawn as reference lines in the temperature plots, besides the homoscedastic one. */
const REFERENCE_BASELINES = ['sngp', 'mc-dropout', 'ensemble'] as const;

/**
 * The paper's Figure 1: test accuracy and test NLL against the temperature (log axis), one pair
 * of plots per training-sample count, the heteroscedastic and tempered-softmax arms as lines
 * (mean ± sd over seeds) and the homoscedastic model as a dashed line with its ± sd band; SNGP,
 * MC dropout and the ensemble, when they ran, as dashed lines at their means.
 */
function temperatureFigures(summary: Summary): Figure[] {
  const homo = summary.arms.find((a) => a.arm.method === 'homoscedastic');
  const tempered = summary.arms.filter((a) => a.arm.method === 'tempered-softmax');
  const baselines = REFERENCE_BASELINES.flatMap((method) =>
    summary.arms.filter((a) => a.arm.method === method && a.arm.temperature === null),
  );
  const counts = [
    ...new Set(
      summary.arms.filter((a) => a.arm.method === 'heteroscedastic').map((a) => a.arm.trainSamples),
    ),
  ];
  const figures: Figure[] = [];
  for (const trainSamples of counts.length > 0 ? counts : [null]) {
    const hetero = summary.arms.filter(
      (a) => a.arm.method === 'heteroscedastic' && a.arm.trainSamples === trainSamples,
    );
    if (hetero.length + tempered.length === 0) continue;
    for (const metric of ['accuracy', 'nll'] as const) {
      const name = metric === 'nll' ? 'test NLL' : 'test accuracy';
      const suffix = trainSamples === null ? '' : `-S${trainSamples}`;
      const series = [
        ...(hetero.length > 0
          ? [
              {
                name: `heteroscedastic${trainSamples === null ? '' : ` S=${trainSamples}`}`,
                points: seriesOf(hetero, metric),
              },
            ]
          : []),
        ...(tempered.length > 0
          ? [{ name: 'tempered-softmax', points: seriesOf(tempered, metric) }]
          : []),
      ];
      figures.push({
        file: `${metric === 'nll' ? 'nll' : 'accuracy'}-vs-temperature${suffix}.svg`,
        caption: `${name} vs temperature${trainSamples === null ? '' : ` (${trainSamples} training samples)`}`,
        svg: linePlot({
          title: `${summary.protocol.dataset}: ${name} vs temperature`,
          xLabel: 'temperature (log scale)',
          yLabel: name,
          xLog: true,
          series,
          references: [
            ...(homo
              ? [
                  {
                    name: 'homoscedastic',
                    y: homo.test[metric].mean,
                    err: finiteOrZero(homo.test[metric].std),
                  },
                ]
              : []),
            // The baselines without a temperature, as mean lines (their sd is in Table 1).
            ...baselines.map((a) => ({ name: a.arm.method, y: a.test[metric].mean })),
          ],
        }),
      });
    }
  }
  return figures;
}

/** Arms shown once per method: the homoscedastic-like ones, and tempered ones at tau*. */
function representativeArms(summary: Summary): ArmSummary[] {
  const stars = new Map(
    summary.selections.map((s) => [`${s.method}|${s.trainSamples}`, s.tauStar]),
  );
  return summary.arms.filter(
    (a) =>
      a.arm.temperature === null ||
      stars.get(`${a.arm.method}|${a.arm.trainSamples}`) === a.arm.temperature,
  );
}

function fileSafe(key: string): string {
  return key.replaceAll('/', '_').replaceAll('=', '');
}

/**
 * Pools reliability sums over seeds into diagram bins (15 equal-width bins).
 *
 * @since 0.1.0
 */
export function pooledReliability(runs: readonly RunRecord[]): ReliabilityBin[] {
  const first = runs[0];
  if (first === undefined) return [];
  const bins = first.reliability.count.length;
  return Array.from({ length: bins }, (_, m) => {
    const count = runs.reduce((s, r) => s + (r.reliability.count[m] ?? 0), 0);
    const confidence = runs.reduce((s, r) => s + (r.reliability.confidenceSum[m] ?? 0), 0);
    const correct = runs.reduce((s, r) => s + (r.reliability.correctSum[m] ?? 0), 0);
    return {
      lower: m / bins,
      upper: (m + 1) / bins,
      count,
      confidence: count > 0 ? confidence / count : Number.NaN,
      accuracy: count > 0 ? correct / count : Number.NaN,
    };
  });
}

function reliabilityFigures(summary: Summary, records: readonly RunRecord[]): Figure[] {
  return representativeArms(summary)
    .filter((arm) => arm.aliasOf === undefined)
    .map((arm) => ({
      file: `reliability-${fileSafe(arm.key)}.svg`,
      caption: `reliability diagram, ${arm.key} (test, pooled over ${arm.seeds.length} seeds)`,
      svg: reliabilityDiagramSvg(pooledReliability(runsOfArm(records, arm.key)), {
        title: `${arm.key} (${arm.seeds.length} seeds pooled)`,
      }),
    }));
}

function differenceFigure(summary: Summary): Figure[] {
  const rows = summary.comparisons
    .filter((c) => c.perSeed.length > 0)
    .map((c) => ({
      label: `${c.name}${c.trainSamples === null ? '' : ` (S=${c.trainSamples})`}`,
      values: c.perSeed.map((p) => p.a.nll - p.b.nll),
    }));
  if (rows.length === 0) return [];
  return [
    {
      file: 'paired-differences.svg',
      caption:
        'per-seed paired differences in test NLL (dots: seeds, bar: mean; left of 0: first is better)',
      svg: dotPlot({
        title: `${summary.protocol.dataset}: per-seed test NLL differences`,
        xLabel: 'test NLL difference, first - second (nats)',
        rows,
      }),
    },
  ];
}

/** Moons: the predictive-entropy surface of each method (lowest seed), with the OOD cluster. */
function surfaceFigures(summary: Summary, records: readonly RunRecord[]): Figure[] {
  return representativeArms(summary).flatMap((arm) => {
    const run = runsOfArm(records, arm.aliasOf ?? arm.key).find((r) => r.surface !== undefined);
    const surface = run?.surface;
    if (surface === undefined) return [];
    return [
      {
        file: `surface-${fileSafe(arm.key)}.svg`,
        caption: `uncertainty surface, ${arm.key} (seed ${run?.cell.seed}; OOD AUROC ${surface.oodAuroc.toFixed(3)})`,
        svg: heatmap({
          title: `${arm.key}: predictive entropy`,
          values: surface.entropy,
          n: surface.n,
          xRange: surface.xRange,
          yRange: surface.yRange,
          max: Math.log(surface.numClasses),
          valueLabel: 'entropy (nats)',
          xLabel: 'x1',
          yLabel: 'x2',
          overlays: [
            {
              name: 'class 0',
              points: surface.train.filter((p) => p[2] === 0).map((p) => [p[0], p[1]] as const),
              color: '#E69F00',
            },
            {
              name: 'class 1',
              points: surface.train.filter((p) => p[2] === 1).map((p) => [p[0], p[1]] as const),
              color: '#009E73',
            },
            {
              name: 'OOD cluster',
              points: surface.ood,
              color: '#D55E00',
              marker: 'cross',
              outline: true,
            },
          ],
        }),
      },
    ];
  });
}

/**
 * Every figure of the report, from the summary and the runs it summarizes.
 *
 * @since 0.1.0
 */
export function makeFigures(summary: Summary, records: readonly RunRecord[]): Figure[] {
  return [
    ...temperatureFigures(summary),
    ...differenceFigure(summary),
    ...reliabilityFigures(summary, records),
    ...surfaceFigures(summary, records),
  ];
}
