// `--calibrate` through the built `uqjs-bench` executable on moons (generated data, a tiny MLP,
// a few epochs): the calibrated scores reach runs.jsonl, summary.json and report.md, survive
// --resume, `report` and `merge`, and leave the uncalibrated numbers as they are.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../src/analysis.js';
import type { RunRecord } from '../src/record.js';
import { gridArgs, MOONS_PAIR, readRuns } from './grid-args.js';
import { requireBuiltCli, runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'uqjs-bench-post-hoc-'));

/** 2 seeds x (homoscedastic, heteroscedastic at tau = 1): 4 runs of a few seconds. */
const GRID = gridArgs('moons', { ...MOONS_PAIR, seeds: 2 });
const CALIBRATE = ['--calibrate', 'histogram,temperature'];

function summary(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

function report(dir: string): string {
  return readFileSync(join(dir, 'report.md'), 'utf8');
}

/** The lines of the "### Test set" table of Table 1. */
function tableOne(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('### Test set'));
  const end = lines.findIndex((line, i) => i > start && line.startsWith('### '));
  return lines.slice(start, end);
}

const calibrated = join(root, 'calibrated');
const plain = join(root, 'plain');

beforeAll(async () => {
  requireBuiltCli();
  const [withFlag, without] = [
    await runCli([...GRID, ...CALIBRATE, '--out', calibrated]),
    await runCli([...GRID, '--out', plain]),
  ];
  expect(withFlag.code, withFlag.stderr).toBe(0);
  expect(without.code, without.stderr).toBe(0);
}, 240_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('uqjs-bench --calibrate', () => {
  it('is a usage error (exit 2) for a name that is not a calibrator', async () => {
    const outcome = await runCli([...GRID, '--calibrate', 'temperature,platypus']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--calibrate must be one of temperature, .*got "platypus"/);
  });

  it('stores the test scores after each calibrator in every run, in CALIBRATORS order', () => {
    const runs = readRuns(calibrated);
    expect(runs).toHaveLength(4);
    for (const run of runs) {
      expect(Object.keys(run.calibrated ?? {})).toEqual(['temperature', 'histogram']);
      for (const scores of Object.values(run.calibrated ?? {})) {
        expect(Object.keys(scores).sort()).toEqual(['accuracy', 'brier', 'ece', 'nll']);
        expect(Object.values(scores).every(Number.isFinite)).toBe(true);
      }
    }
    expect(summary(calibrated).protocol.calibrators).toEqual(['temperature', 'histogram']);
  });

  it('reports the post-hoc table, one row per arm and calibrator', () => {
    const rows = summary(calibrated).postHoc?.rows ?? [];
    expect(rows.map((r) => `${r.key} ${r.calibrator} ${r.seeds.length}`)).toEqual([
      'homoscedastic temperature 2',
      'homoscedastic histogram 2',
      'heteroscedastic/tau=1/S=10 temperature 2',
      'heteroscedastic/tau=1/S=10 histogram 2',
    ]);
    const markdown = report(calibrated);
    expect(markdown).toContain('### Post-hoc calibration');
    expect(markdown).toMatch(/\| homoscedastic \| histogram \| 2 \| \d\.\d{4} \| \d\.\d{4} \| /);
  });

  it('changes none of the uncalibrated numbers, and adds nothing without the flag', () => {
    const strip = ({ calibrated: _c, seconds: _s, finishedAt: _f, ...rest }: RunRecord) => rest;
    expect(readRuns(calibrated).map(strip)).toEqual(readRuns(plain).map(strip));
    expect(tableOne(report(calibrated))).toEqual(tableOne(report(plain)));
    expect(readRuns(plain).some((r) => 'calibrated' in r)).toBe(false);
    expect('postHoc' in summary(plain)).toBe(false);
    expect('calibrators' in summary(plain).protocol).toBe(false);
    expect(report(plain)).not.toContain('Post-hoc');
  });

  it('keeps the calibrated scores through --resume and report, and refuses other calibrators', async () => {
    const before = report(calibrated);
    const resumed = await runCli([...GRID, ...CALIBRATE, '--out', calibrated, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readRuns(calibrated)).toHaveLength(4);
    const rewritten = await runCli(['report', calibrated]);
    expect(rewritten.code, rewritten.stderr).toBe(0);
    // Only the command line and the wall time differ after --resume; `report` writes neither.
    const body = (text: string) => text.slice(text.indexOf('## Findings'));
    expect(body(report(calibrated))).toBe(body(before));
    const other = await runCli([
      ...GRID,
      '--calibrate',
      'isotonic',
      '--out',
      calibrated,
      '--resume',
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/calibrators: \["temperature","histogram"\] vs \["isotonic"\]/);
    const none = await runCli([...GRID, '--out', calibrated, '--resume']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/calibrators: \["temperature","histogram"\] vs \(none\)/);
  }, 150_000);

  it('keeps them through merge', async () => {
    const merged = join(root, 'merged');
    const outcome = await runCli(['merge', calibrated, '--out', merged]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(summary(merged).postHoc).toEqual(summary(calibrated).postHoc);
  });
});
