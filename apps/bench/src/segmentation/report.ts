import type { MeanStd } from '../analysis.js';
import { ALPHA, formatP } from '../report.js';
import {
  type SegmentationMetric,
  type SegmentationRunRecord,
  type SegmentationSummary,
  TESTED_METRICS,
} from './analysis.js';
import type { SegmentationGrid, SegmentationProtocol } from './protocol.js';

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function pm(score: MeanStd, digits: number): string {
  return Number.isFinite(score.std)
    ? `${fixed(score.mean, digits)} ± ${fixed(score.std, digits)}`
    : fixed(score.mean, digits);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

const LABELS: Record<SegmentationMetric, string> = {
  meanIoU: 'mIoU',
  pixelAccuracy: 'pixel acc.',
  nll: 'NLL',
  ece: 'ECE',
  oodAuroc: 'OOD AUROC',
};

/**
 * The test-set table (mean ± sd over seeds) and the paired tests, as Markdown lines; what the
 * command prints.
 *
 * @since 0.1.0
 */
export function renderSegmentationTables(summary: SegmentationSummary): string[] {
  return [...armTable(summary), '', ...testTable(summary)];
}

function armTable(summary: SegmentationSummary): string[] {
  const metrics: SegmentationMetric[] = ['meanIoU', 'pixelAccuracy', 'nll', 'ece', 'oodAuroc'];
  const arms = table(
    ['arm', 'seeds', ...metrics.map((m) => LABELS[m])],
    summary.arms.map((arm) => [
      arm.key,
      String(arm.seeds.length),
      ...metrics.map((m) => pm(arm.test[m], m === 'oodAuroc' || m === 'nll' ? 3 : 4)),
    ]),
  );
  return arms;
}

function testTable(summary: SegmentationSummary): string[] {
  return table(
    ['comparison (a vs b)', 'n', ...TESTED_METRICS.flatMap((m) => [`Δ${LABELS[m]}`, `p (Holm)`])],
    summary.comparisons.map((c) => [
      c.name,
      String(c.n),
      ...TESTED_METRICS.flatMap((m) => {
        const t = c.tests[m];
        return t ? [fixed(t.meanDifference, 4), formatP(t.pAdjusted)] : ['n/a', 'n/a'];
      }),
    ]),
  );
}

/**
 * What the report is written from besides the summary.
 *
 * @since 0.1.0
 */
export interface SegmentationReportContext {
  readonly command: string;
  readonly protocol: SegmentationProtocol;
  readonly grid: SegmentationGrid;
  readonly records: readonly SegmentationRunRecord[];
  readonly wallSeconds?: number;
}

/**
 * `report.md` of a segmentation run: protocol, definitions, tables, `tau*`, paired tests,
 * uncertainty means and the picture grids.
 *
 * @since 0.1.0
 */
export function renderSegmentationReport(
  summary: SegmentationSummary,
  context: SegmentationReportContext,
): string {
  const p = context.protocol;
  const lines: string[] = [
    '# Segmentation: heteroscedastic vs homoscedastic per-pixel heads',
    '',
    `Command: \`${context.command}\``,
    '',
    `${summary.runs} runs on ${summary.backends.join(', ') || 'no backend'}, ${fixed(summary.computeSeconds / 60, 1)} compute-minutes` +
      (context.wallSeconds !== undefined
        ? `, ${fixed(context.wallSeconds / 60, 1)} minutes wall time`
        : '') +
      '.',
    '',
    '## Protocol',
    '',
    `Data: ${p.dataset === 'shapes' ? `procedural shapes (\`makeSegmentationShapes\`), ${p.size} x ${p.size}, labels from one simulated annotator per image (input-dependent noise at boundaries and on low-contrast objects), an OOD object class only in test` : `${p.dataset} files`}; ` +
      `${p.split.train} / ${p.split.validation} / ${p.split.test} train / validation / test images. ` +
      `Body: U-Net (\`buildUNet\`), ${p.baseFilters} base filters, depth ${p.depth}, then MC dropout (\`MCDropout\`, rate ${p.dropoutRate}) on its features, in training and in the MC passes. ` +
      `Head: \`MCSoftmaxPixelHead\` at 1/${p.sampleDownsample} resolution with bilinear upsampling of the log-probabilities; heteroscedastic with ${p.numFactors === 0 ? 'diagonal' : `${p.numFactors}-factor low-rank plus diagonal`} Normal noise, ` +
      `${context.grid.trainSamples.join(', ')} MC samples in training and ${p.evalSamples} at validation and test, temperatures ${context.grid.temperatures.join(', ')}; homoscedastic: per-pixel softmax. ` +
      `Adam (${p.learningRate}), batch ${p.batchSize}, at most ${p.epochs} epochs, early stopping after ${p.patience} epochs without a lower validation NLL (best epoch restored). ` +
      `Seeds ${context.grid.seeds.join(', ')}. Pixels labelled 255 and OOD pixels are not scored; ECE: 15 equal-width bins, top label.`,
    '',
    '## Uncertainty maps',
    '',
    `Each test predictive is the mean of ${p.dropoutPasses} MC-dropout passes (a fresh mask on the U-Net features per pass) under the head; each pass's head predictive \`p_j\` is already the average of softmax((loc + noise) / tau) over the head's latent samples (heteroscedastic) or a softmax (homoscedastic). With \`pbar = mean_j p_j\`, per pixel:`,
    '',
    '- **total** = `H(pbar)`, the entropy of the predictive (nats);',
    "- **aleatoric** = `mean_j H(p_j)`, the expected entropy over the dropout passes. The heteroscedastic head's latent samples enter here: they spread each pass's `p_j`, so the noise model's input-dependent label noise shows up as aleatoric uncertainty;",
    '- **epistemic** = total - aleatoric, the mutual information between the label and the dropout mask (0 with one pass).',
    '',
    'Pixel OOD detection scores each pixel by its total uncertainty: OOD pixels (the held-out class) against scored in-distribution pixels; AUPR with OOD pixels positive, FPR at 95% TPR of in-distribution pixels.',
    '',
    '## Test scores (mean ± sd over seeds)',
    '',
    ...armTable(summary),
    '',
    '## Temperature chosen on validation',
    '',
    ...table(
      [
        'criterion',
        'train samples',
        'temperatures',
        'validation (mean over seeds)',
        'tau*',
        'note',
      ],
      summary.selections.map((s) => [
        s.criterion === 'nll' ? 'lowest NLL' : 'highest mIoU',
        String(s.trainSamples),
        s.temperatures.join(', '),
        s.validation.map((v) => fixed(v, 4)).join(', '),
        String(s.tauStar),
        s.edge === null
          ? ''
          : `at the ${s.edge} temperature tried: the best may lie beyond the grid`,
      ]),
    ),
    '',
    '## Paired tests over seeds',
    '',
    `Two-tailed paired t-tests of test scores (a - b) over the seeds both arms ran; p-values Holm-adjusted per metric over the ${summary.comparisons.length} comparisons; significant at ${ALPHA}.`,
    '',
    ...testTable(summary),
    '',
    '## Mean per-pixel uncertainty on test (nats)',
    '',
    'Pixel OOD detection scores each pixel by its total uncertainty with the OOD pixels positive: OOD AUPR is their average precision, and OOD FPR95 the share of in-distribution pixels flagged at the threshold that finds 95% of the OOD pixels.',
    '',
    ...table(
      ['arm', 'total', 'aleatoric', 'epistemic', 'total on OOD pixels', 'OOD AUPR', 'OOD FPR95'],
      summary.arms.map((arm) => {
        const runs = context.records.filter(
          (r) =>
            r.cell.method === arm.method &&
            r.cell.temperature === arm.temperature &&
            r.cell.trainSamples === arm.trainSamples,
        );
        const avg = (f: (r: SegmentationRunRecord) => number) =>
          fixed(runs.map(f).reduce((a, b) => a + b, 0) / runs.length, 3);
        return [
          arm.key,
          avg((r) => r.test.uncertainty.total),
          avg((r) => r.test.uncertainty.aleatoric),
          avg((r) => r.test.uncertainty.epistemic),
          avg((r) => r.test.ood?.meanTotal ?? Number.NaN),
          avg((r) => r.test.ood?.aupr ?? Number.NaN),
          avg((r) => r.test.ood?.fpr95 ?? Number.NaN),
        ];
      }),
    ),
    '',
    '## Pictures',
    '',
    'Rows: test images of the first seed. Columns: image, label (white: ignored, black: OOD class), prediction, total, aleatoric and epistemic uncertainty, from 0 (light yellow) to log K nats (dark blue).',
    '',
  ];
  const firstSeed = context.grid.seeds[0];
  for (const record of context.records) {
    if (record.picture === null || record.cell.seed !== firstSeed) continue;
    lines.push(`### ${record.key}`, '', `![${record.key}](${record.picture})`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
