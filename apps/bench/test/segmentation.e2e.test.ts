// End-to-end check of `uqjs-bench segmentation` through the built executable (dist/cli.js, built
// by the nx `test` target's dependency on `build`): a tiny grid (16 x 16 shapes, 2 epochs,
// 1 seed, homoscedastic and the heteroscedastic head at two temperatures) writes its runs,
// summary, report and picture grids, with scores in their ranges; `report <dir>` rewrites the
// summary and report; --resume trains nothing again;
// bad flags stop it before any write; a CamVid folder written here in its own format (RGB PNG
// images, greyscale class-index PNG masks) goes through the same command.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentationRunRecord, SegmentationSummary } from '../src/segmentation/analysis.js';
import { SEGMENTATION_USAGE } from '../src/segmentation/args.js';
import { pictureSize } from '../src/segmentation/pictures.js';
import { runCli as bench, type Outcome, requireBuiltCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'uqjs-bench-segmentation-'));
const out = join(root, 'run');

/** The backend the children train on: the one this test run is on (wasm, cpu or webgpu). */
const BACKEND = process.env.UQJS_TEST_BACKEND ?? 'wasm';
const PICTURES = 2;
const GRID = [
  'segmentation',
  '--size',
  '16',
  '--split',
  '32/16/16',
  '--epochs',
  '2',
  '--seeds',
  '1',
  '--temperatures',
  '1,2',
  '--train-samples',
  '8',
  '--eval-samples',
  '16',
  '--dropout-passes',
  '2',
  '--pictures',
  String(PICTURES),
  '--workers',
  '1',
  '--backend',
  BACKEND,
  '--out',
  out,
];
const KEYS = [
  'homoscedastic/seed=0',
  'heteroscedastic/tau=1/S=8/seed=0',
  'heteroscedastic/tau=2/S=8/seed=0',
];
/** Classes of the shapes set: background, disc, square, triangle. */
const K = 4;

function records(): SegmentationRunRecord[] {
  return readFileSync(join(out, 'runs.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SegmentationRunRecord);
}

let first: Outcome;

beforeAll(async () => {
  requireBuiltCli();
  first = await bench(GRID);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('uqjs-bench segmentation', () => {
  it('trains the grid and prints the tables', () => {
    expect(first.stderr).not.toContain('Error');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`backend ${BACKEND}`);
    expect(first.stdout).toContain(`grid: 3 runs, 0 already in ${out}, 3 to train with 1 worker`);
    expect(first.stdout).toContain('| homoscedastic | 1 |');
    expect(first.stderr).toContain('[3/3] ');
    expect(records().map((r) => r.key)).toEqual(KEYS);
  });

  it('records scores in their ranges, OOD only on test', () => {
    for (const r of records()) {
      for (const s of [r.validation, r.test]) {
        expect(s.meanIoU).toBeGreaterThanOrEqual(0);
        expect(s.meanIoU).toBeLessThanOrEqual(1);
        expect(s.pixelAccuracy).toBeGreaterThan(0);
        expect(s.pixelAccuracy).toBeLessThanOrEqual(1);
        expect(s.ece).toBeGreaterThanOrEqual(0);
        expect(s.ece).toBeLessThanOrEqual(1);
        expect(s.nll).toBeGreaterThan(0);
        expect(Number.isFinite(s.nll)).toBe(true);
        // Entropies of K-class predictives lie in [0, log K]; aleatoric <= total and
        // epistemic = total - aleatoric >= 0 (Jensen), up to float32 rounding (1e-5 nats).
        const u = s.uncertainty;
        expect(u.total).toBeGreaterThan(0);
        expect(u.total).toBeLessThanOrEqual(Math.log(K) + 1e-5);
        expect(u.aleatoric).toBeLessThanOrEqual(u.total + 1e-5);
        expect(u.epistemic).toBeGreaterThanOrEqual(-1e-5);
        expect(u.epistemic).toBeCloseTo(u.total - u.aleatoric, 5);
      }
      expect(r.validation.ood).toBeNull();
      const ood = r.test.ood;
      expect(ood).not.toBeNull();
      for (const v of [ood?.auroc, ood?.aupr, ood?.fpr95]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(r.epochs).toBe(2);
      expect(r.history.validationNll).toHaveLength(2);
      expect(r.bestEpoch).toBe(
        r.history.validationNll.indexOf(Math.min(...r.history.validationNll)) + 1,
      );
      expect(r.backend).toBe(BACKEND);
    }
  });

  it('writes the summary with tau* on validation and the report with its tables', () => {
    const summary = JSON.parse(
      readFileSync(join(out, 'summary.json'), 'utf8'),
    ) as SegmentationSummary;
    expect(summary.runs).toBe(3);
    expect(summary.arms.map((a) => a.key)).toEqual([
      'homoscedastic',
      'heteroscedastic/tau=1/S=8',
      'heteroscedastic/tau=2/S=8',
    ]);
    const byNll = summary.selections.find((s) => s.criterion === 'nll');
    const hetero = records().filter((r) => r.cell.method === 'heteroscedastic');
    const best = hetero.reduce((a, b) => (b.validation.nll < a.validation.nll ? b : a));
    expect(byNll?.tauStar).toBe(best.cell.temperature);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    for (const heading of [
      '## Test scores (mean ± sd over seeds)',
      '## Temperature chosen on validation',
      '## Paired tests over seeds',
      '## Pictures',
    ]) {
      expect(report).toContain(heading);
    }
    expect(report).toContain('| heteroscedastic/tau=2/S=8 | 1 |');
  });

  it('draws a PNG picture grid per run, linked from the report', () => {
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(readdirSync(join(out, 'pictures'))).toHaveLength(3);
    for (const r of records()) {
      expect(r.picture).not.toBeNull();
      expect(report).toContain(`](${r.picture})`);
      const png = PNG.sync.read(readFileSync(join(out, r.picture as string)));
      const size = pictureSize(PICTURES, 16, 16);
      expect([png.width, png.height]).toEqual([size.width, size.height]);
    }
  });

  it('worker processes train the same runs as this process', async () => {
    const dir = join(root, 'workers');
    const flags = GRID.map((f) => (f === out ? dir : f));
    flags[flags.indexOf('--workers') + 1] = '2';
    const outcome = await bench([...flags, '--methods', 'heteroscedastic']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('2 to train with 2 workers');
    const lines = readFileSync(join(dir, 'runs.jsonl'), 'utf8').split('\n').filter(Boolean);
    const byKey = new Map(
      lines.map((line) => JSON.parse(line) as SegmentationRunRecord).map((r) => [r.key, r]),
    );
    for (const r of records().filter((x) => x.cell.method === 'heteroscedastic')) {
      expect(byKey.get(r.key)?.test).toEqual(r.test);
      expect(byKey.get(r.key)?.history).toEqual(r.history);
    }
    expect(byKey.size).toBe(2);
  });

  it('`report <dir>` rewrites the summary and report from runs.jsonl', async () => {
    const summary = readFileSync(join(out, 'summary.json'), 'utf8');
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    rmSync(join(out, 'summary.json'));
    const outcome = await bench(['report', out]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('| homoscedastic | 1 |');
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(summary);
    // The same report, but for the wall time, which only the run that trained knows.
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe(
      report.replace(/, [\d.]+ minutes wall time/, ''),
    );
  });

  it('--resume trains nothing again; a second run into the directory is refused', async () => {
    // A run killed while appending leaves a partial last line: --resume drops it.
    appendFileSync(join(out, 'runs.jsonl'), '{"key":"heteroscedastic/ta');
    const resumed = await bench([...GRID, '--resume']);
    expect(readFileSync(join(out, 'runs.jsonl'), 'utf8').endsWith('}\n')).toBe(true);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('grid: 3 runs, 3 already in');
    expect(records()).toHaveLength(3);
    const again = await bench(GRID);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--out must be a new directory');
    const changed = await bench([...GRID, '--resume', '--epochs', '3']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain('--resume must be the protocol');
  });

  it('prints its help and stops on bad flags before writing', async () => {
    const help = await bench(['segmentation', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(`${SEGMENTATION_USAGE}\n`);
    const cases: [string[], string][] = [
      [['--dataset', 'voc'], '--data-dir must be the directory of the voc files'],
      [['--size', '18'], '--size must be a multiple of 4'],
      [['--dataset', 'mnist'], '--dataset must be one of shapes, voc, cityscapes, camvid'],
      [['--quick', '--paper'], '--quick must be not combined with --paper'],
    ];
    for (const [flags, message] of cases) {
      const dir = join(root, `bad-${flags.join('')}`);
      const outcome = await bench(['segmentation', ...flags, '--out', dir]);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toContain(message);
      expect(existsSync(dir)).toBe(false);
    }
  });

  it('reads CamVid files from --data-dir, resized to --size', async () => {
    const dir = join(root, 'camvid');
    const [h, w] = [20, 24];
    const counts = { train: 4, val: 2, test: 2 };
    for (const [split, n] of Object.entries(counts)) {
      mkdirSync(join(dir, split), { recursive: true });
      mkdirSync(join(dir, `${split}annot`), { recursive: true });
      for (let i = 0; i < n; i++) {
        const image = new PNG({ width: w, height: h });
        const mask = new PNG({ width: w, height: h });
        for (let p = 0; p < h * w; p++) {
          // Left half road (3), right half sky (0), the top row unlabelled (11 -> 255).
          const label = p < w ? 11 : p % w < w / 2 ? 3 : 0;
          image.data.set(label === 3 ? [90, 90, 90, 255] : [120, 170, 230, 255], 4 * p);
          mask.data.set([label, label, label, 255], 4 * p);
        }
        writeFileSync(join(dir, split, `f${i}.png`), PNG.sync.write(image, { colorType: 2 }));
        writeFileSync(
          join(dir, `${split}annot`, `f${i}.png`),
          PNG.sync.write(mask, { colorType: 0 }),
        );
      }
    }
    const target = join(root, 'camvid-run');
    const outcome = await bench([
      'segmentation',
      '--dataset',
      'camvid',
      '--data-dir',
      dir,
      '--size',
      '16',
      '--split',
      '4/2/2',
      '--methods',
      'homoscedastic',
      '--seeds',
      '1',
      '--epochs',
      '1',
      '--pictures',
      '1',
      '--workers',
      '1',
      '--backend',
      BACKEND,
      '--out',
      target,
    ]);
    expect(outcome.stderr).not.toContain('Error');
    expect(outcome.code).toBe(0);
    const [record] = readFileSync(join(target, 'runs.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as SegmentationRunRecord);
    expect(record?.test.ood).toBeNull();
    expect(record?.test.pixelAccuracy).toBeGreaterThan(0);
    const png = PNG.sync.read(readFileSync(join(target, record?.picture as string)));
    expect([png.width, png.height]).toEqual(Object.values(pictureSize(1, 16, 16)));
    // More images than the folder holds is an error naming --split, before any write.
    const tooMany = join(root, 'camvid-too-many');
    const refused = await bench([
      'segmentation',
      '--dataset',
      'camvid',
      '--data-dir',
      dir,
      '--size',
      '16',
      '--split',
      '5/2/2',
      '--out',
      tooMany,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--split must be at most the 4 train images');
    expect(existsSync(tooMany)).toBe(false);
  });
});
