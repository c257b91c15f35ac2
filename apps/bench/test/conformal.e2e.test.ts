// `--conformal` through the built `uqjs-bench` executable on moons (generated data, a tiny MLP,
// a few epochs): the prediction sets' scores reach runs.jsonl, summary.json, report.md and the
// terminal summary, survive --resume, `report` and `merge`, and leave every other number as it is.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../src/analysis.js';
import type { RunRecord } from '../src/record.js';
import { readRuns } from './grid-args.js';
import { type Outcome, requireBuiltCli, runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'uqjs-bench-conformal-'));

/** 2 seeds x (homoscedastic, heteroscedastic at tau = 1): 4 runs of a few seconds. */
const GRID = [
  'moons',
  '--methods',
  'homoscedastic,heteroscedastic',
  '--temperatures',
  '1',
  '--train-samples',
  '10',
  '--eval-samples',
  '50',
  '--seeds',
  '2',
  '--epochs',
  '3',
  '--model',
  'tiny',
  '--workers',
  '1',
  '--progress',
  'off',
  '--yes',
];
const CONFORMAL = ['--conformal', 'aps,lac', '--conformal-alpha', '0.2'];

function summary(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

function report(dir: string): string {
  return readFileSync(join(dir, 'report.md'), 'utf8');
}

const conformal = join(root, 'conformal');
const plain = join(root, 'plain');
let withFlag: Outcome;

beforeAll(async () => {
  requireBuiltCli();
  withFlag = await runCli([...GRID, ...CONFORMAL, '--out', conformal]);
  const without = await runCli([...GRID, '--out', plain]);
  expect(withFlag.code, withFlag.stderr).toBe(0);
  expect(without.code, without.stderr).toBe(0);
}, 240_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('uqjs-bench --conformal', () => {
  it.each([
    [['--conformal', 'lac,naive'], /--conformal must be one of lac, aps, raps.*got "naive"/],
    [
      ['--conformal', 'lac', '--conformal-alpha', '1.5'],
      /--conformal-alpha must be a number in \(0, 1\)/,
    ],
    [['--conformal-alpha', '0.1'], /--conformal-alpha must be given with --conformal/],
  ])('is a usage error (exit 2) for %j, naming the flag', async (flags, message) => {
    const outcome = await runCli([...GRID, ...flags, '--out', join(root, 'refused')]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(message);
  });

  it('stores the scores of each score function in every run, in CONFORMAL_METHODS order', () => {
    const runs = readRuns(conformal);
    expect(runs).toHaveLength(4);
    for (const run of runs) {
      expect(Object.keys(run.conformal ?? {})).toEqual(['lac', 'aps']);
      for (const scores of Object.values(run.conformal ?? {})) {
        expect(scores.coverage).toBeGreaterThanOrEqual(0);
        expect(scores.coverage).toBeLessThanOrEqual(1);
        // Moons has 2 classes: a set holds 0, 1 or 2 of them.
        expect(scores.meanSetSize).toBeGreaterThanOrEqual(0);
        expect(scores.meanSetSize).toBeLessThanOrEqual(2);
        expect(scores.strata.every((s) => s.size <= 2 && s.count > 0)).toBe(true);
        expect(Number.isFinite(scores.violation)).toBe(true);
      }
    }
    expect(summary(conformal).protocol.conformal).toEqual({ methods: ['lac', 'aps'], alpha: 0.2 });
  });

  it('reports the table with its target, one row per arm and score function, and a line per function on the terminal', () => {
    const rows = summary(conformal).conformal?.rows ?? [];
    expect(rows.map((r) => `${r.key} ${r.method} ${r.seeds.length}`)).toEqual([
      'homoscedastic lac 2',
      'homoscedastic aps 2',
      'heteroscedastic/tau=1/S=10 lac 2',
      'heteroscedastic/tau=1/S=10 aps 2',
    ]);
    const markdown = report(conformal);
    expect(markdown).toContain('### Conformal prediction sets (alpha 0.2: target coverage 0.8;');
    expect(markdown).toMatch(
      /\| homoscedastic \| aps \| 2 \| \d\.\d{4} ± \d\.\d{4} \| \d\.\d{3} ± /,
    );
    expect(markdown).toContain(
      'conformal prediction sets lac, aps at alpha 0.2 (target coverage 0.8)',
    );
    for (const method of ['lac', 'aps']) {
      expect(withFlag.stdout).toMatch(
        new RegExp(
          `- conformal ${method}: mean test coverage \\d\\.\\d{4} to \\d\\.\\d{4} over 2 arms \\(target 0\\.8;`,
        ),
      );
    }
  });

  it('changes none of the other numbers, and adds nothing without the flag', () => {
    const strip = ({ conformal: _c, seconds: _s, finishedAt: _f, ...rest }: RunRecord) => rest;
    expect(readRuns(conformal).map(strip)).toEqual(readRuns(plain).map(strip));
    expect(readRuns(plain).some((r) => 'conformal' in r)).toBe(false);
    expect('conformal' in summary(plain)).toBe(false);
    expect('conformal' in summary(plain).protocol).toBe(false);
    expect(report(plain)).not.toMatch(/onformal prediction/);
    // The report is the plain one with the protocol clause and the table added.
    const body = (text: string) => text.slice(text.indexOf('## Findings'));
    const withoutTable = body(report(conformal)).replace(
      /### Conformal prediction sets[\s\S]*?\n\n(?=## |### (?!Conformal)|$)/,
      '',
    );
    expect(withoutTable.trimEnd()).toBe(body(report(plain)).trimEnd());
  });

  it('keeps the scores through --resume and report, and refuses other score functions or alpha', async () => {
    const before = report(conformal);
    const resumed = await runCli([...GRID, ...CONFORMAL, '--out', conformal, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readRuns(conformal)).toHaveLength(4);
    const rewritten = await runCli(['report', conformal]);
    expect(rewritten.code, rewritten.stderr).toBe(0);
    const body = (text: string) => text.slice(text.indexOf('## Findings'));
    expect(body(report(conformal))).toBe(body(before));
    const otherAlpha = await runCli([
      ...GRID,
      '--conformal',
      'lac,aps',
      '--out',
      conformal,
      '--resume',
    ]);
    expect(otherAlpha.code).toBe(2);
    expect(otherAlpha.stderr).toContain(
      'conformal: {"methods":["lac","aps"],"alpha":0.2} vs {"methods":["lac","aps"],"alpha":0.1}',
    );
    const none = await runCli([...GRID, '--out', conformal, '--resume']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /conformal: \{"methods":\["lac","aps"\],"alpha":0\.2\} vs \(none\)/,
    );
  }, 150_000);

  it('keeps them through merge, and refuses to merge with runs without them', async () => {
    const merged = join(root, 'merged');
    const outcome = await runCli(['merge', conformal, '--out', merged]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(summary(merged).conformal).toEqual(summary(conformal).conformal);
    expect(report(merged)).toContain('### Conformal prediction sets');
    const mixed = await runCli(['merge', conformal, plain, '--out', join(root, 'mixed')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('conformal:');
  });
});
