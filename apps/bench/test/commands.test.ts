// `uqjs-bench help`, `--version`, per-command help, the run estimate and the confirmation a
// terminal asks before a large grid, through `main` with an in-memory io.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIRM_ABOVE_RUNS, MERGE_USAGE, REPORT_USAGE, RUN_USAGE, USAGE } from '../src/args.js';
import { enumerateCells } from '../src/grid.js';
import { main } from '../src/main.js';
import { estimateGridSeconds, estimateRunSeconds, presetDefaults } from '../src/presets.js';
import type { BenchIo } from '../src/run-grid.js';

function capture(confirm?: (question: string) => Promise<boolean>) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const io: BenchIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    isTTY: false,
    ...(confirm
      ? {
          confirm: (q: string) => {
            asked.push(q);
            return confirm(q);
          },
        }
      : {}),
  };
  return { io, out: () => out.join(''), err: () => err.join(''), asked };
}

describe('help and version', () => {
  it.each([
    [['--help'], USAGE],
    [['help'], USAGE],
    [['mnist', '--help'], RUN_USAGE],
    [['help', 'moons'], RUN_USAGE],
    [['merge', '--help'], MERGE_USAGE],
    [['help', 'merge'], MERGE_USAGE],
    [['report', '--help'], REPORT_USAGE],
    [['help', 'report'], REPORT_USAGE],
  ])('%j prints its own help', async (argv, text) => {
    const c = capture();
    expect(await main(argv, c.io)).toBe(0);
    expect(c.out()).toBe(`${text}\n`);
  });

  it('the help texts differ and fit 80 columns', () => {
    const texts = [USAGE, RUN_USAGE, MERGE_USAGE, REPORT_USAGE];
    expect(new Set(texts).size).toBe(4);
    for (const text of texts) {
      for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    }
    expect(MERGE_USAGE).toContain('--out');
    expect(MERGE_USAGE).not.toContain('--temperatures');
    expect(RUN_USAGE).toContain('--yes');
  });

  it('--version prints the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const c = capture();
    expect(await main(['--version'], c.io)).toBe(0);
    expect(c.out()).toBe(`uqjs-bench ${pkg.version}\n`);
  });

  it('an ignored flag is an error with exit code 2', async () => {
    const c = capture();
    expect(await main(['moons', '--data-dir', '/data'], c.io)).toBe(2);
    expect(c.err()).toContain('--data-dir must be used with mnist, cifar10 or svhn');
  });
});

describe('run estimate', () => {
  const quick = presetDefaults('quick', 'mnist').protocol;
  const cell = { method: 'homoscedastic', temperature: null, trainSamples: null, seed: 0 } as const;

  it('scales with the examples, the epochs, ensemble members and the body', () => {
    // The training part: what a run adds to the fixed overhead of an empty training set.
    const overhead = estimateRunSeconds(
      { ...quick, split: { train: 0, validation: 1, test: 1 } },
      cell,
    );
    const train = (protocol: typeof quick, c: typeof cell | { method: 'ensemble' } = cell) =>
      estimateRunSeconds(protocol, { ...cell, ...c }) - overhead;
    expect(overhead).toBeGreaterThan(0);
    const one = train(quick);
    expect(one).toBeGreaterThan(0);
    const double = { ...quick, split: { train: 12000, validation: 2000, test: 2000 } };
    expect(train(double)).toBeCloseTo(2 * one, 9);
    expect(train(quick, { method: 'ensemble' })).toBeCloseTo(quick.ensembleSize * one, 9);
    expect(train({ ...quick, model: 'tiny' })).toBeCloseTo(one / 10, 9);
    // patience 3 -> 8 epochs; capped by maxEpochs.
    expect(train({ ...quick, maxEpochs: 2 })).toBeCloseTo((one * 2) / 8, 9);
    // The paper protocol's patience 10 costs more epochs than quick's 3.
    const paper = presetDefaults('paper', 'mnist').protocol;
    expect(train(paper)).toBeCloseTo((one * 15) / 8, 9);
  });

  it('spreads the grid over the workers; finished runs replace the prior', () => {
    const cells = enumerateCells(presetDefaults('quick', 'mnist').grid);
    const prior = cells.reduce((s, c) => s + estimateRunSeconds(quick, c), 0);
    expect(estimateGridSeconds(quick, cells, 1)).toBeCloseTo(prior, 9);
    expect(estimateGridSeconds(quick, cells, 2)).toBeCloseTo(prior / 2, 9);
    expect(estimateGridSeconds(quick, cells.slice(0, 3), 2, [10, 20])).toBeCloseTo((3 * 15) / 2, 9);
    // More workers than cells: one cell per worker.
    expect(estimateGridSeconds(quick, cells.slice(0, 1), 8, [40])).toBe(40);
    expect(estimateGridSeconds(quick, [], 2)).toBe(0);
  });
});

describe('confirmation above CONFIRM_ABOVE_RUNS runs', () => {
  // moons with 40 seeds: 7 cells a seed, 280 runs. The output directory lies under a file, so a
  // run that goes ahead stops at writing its config.json, right after the question.
  const root = mkdtempSync(join(tmpdir(), 'uqjs-bench-confirm-'));
  writeFileSync(join(root, 'a-file'), '');
  const large = (out: string) => [
    'moons',
    '--seeds',
    '40',
    '--split',
    '40/20/20',
    '--backend',
    'cpu',
    '--out',
    join(root, out),
  ];
  const blocked = join('a-file', 'run');

  it('prints the run count and an estimate, asks, and a no writes nothing', async () => {
    const c = capture(async () => false);
    expect(await main(large('declined'), c.io)).toBe(2);
    expect(c.out()).toMatch(
      /grid: 280 runs, 0 already in .*, 280 to train .* · estimated \S+ \(rough\)/,
    );
    expect(280).toBeGreaterThan(CONFIRM_ABOVE_RUNS);
    expect(c.asked).toEqual([
      expect.stringMatching(/^Train 280 runs \(estimated \S+\)\? \[y\/N\] $/),
    ]);
    expect(c.err()).toContain('--yes');
    expect(existsSync(join(root, 'declined'))).toBe(false);
  });

  it('a yes goes ahead; --yes does not ask', async () => {
    const yes = capture(async () => true);
    expect(await main(large(blocked), yes.io)).toBe(1);
    expect(yes.asked).toHaveLength(1);
    expect(yes.err()).toContain('ENOTDIR'); // it went on to write the directory

    const flag = capture(async () => false);
    expect(await main([...large(blocked), '--yes'], flag.io)).toBe(1);
    expect(flag.asked).toHaveLength(0);
    expect(flag.err()).toContain('ENOTDIR');
  });

  it('small grids and non-terminals (no confirm) do not ask', async () => {
    const small = capture(async () => false);
    expect(await main([...large(blocked), '--seeds', '2'], small.io)).toBe(1);
    expect(small.asked).toHaveLength(0);
    expect(small.err()).toContain('ENOTDIR');
    const pipe = capture();
    expect(await main(large(blocked), pipe.io)).toBe(1);
    expect(pipe.err()).toContain('ENOTDIR');
  });
});
