// End-to-end checks of the built `uqjs-bench` executable (dist/cli.js, built by the nx `test`
// target's dependency on `build`) on tiny data: a few hundred bundled MNIST digits, a tiny MLP,
// two epochs. They run the program as users do, in child processes.
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../src/analysis.js';
import type { RunRecord } from '../src/record.js';
import { type Outcome, requireBuiltCli, runCli, startCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'uqjs-bench-e2e-'));

/** The grid every test here runs: 3 seeds x (homoscedastic, hetero at 1 and 10, tempered at 10). */
const GRID = [
  'mnist',
  '--quick',
  '--split',
  '300/100/100',
  '--model',
  'tiny',
  '--epochs',
  '2',
  '--patience',
  '1',
  '--seeds',
  '3',
  '--train-samples',
  '10',
  '--eval-samples',
  '50',
  '--progress',
  'lines',
];
const CELLS = 12;

/** Starts the program in its own process group, so a test can kill it with its workers. */
function start(args: readonly string[]) {
  return startCli(args, { detached: true });
}

function bench(args: readonly string[]): Promise<Outcome> {
  return runCli(args, { detached: true });
}

function lines(dir: string): string[] {
  const path = join(dir, 'runs.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean);
}

function keys(dir: string): string[] {
  return lines(dir).map((line) => (JSON.parse(line) as RunRecord).key);
}

/** The summary without what depends on timing. */
function numbers(dir: string): Omit<Summary, 'computeSeconds'> {
  const { computeSeconds: _, ...rest } = JSON.parse(
    readFileSync(join(dir, 'summary.json'), 'utf8'),
  ) as Summary;
  return rest;
}

const full = join(root, 'full');

beforeAll(requireBuiltCli);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('uqjs-bench', () => {
  it('runs a quick grid end to end and writes runs, summary, report and plots', async () => {
    const outcome = await bench([...GRID, '--workers', '2', '--out', full]);
    expect(outcome.stderr).not.toContain('Error');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/backend wasm/);
    expect(outcome.stdout).toContain(
      `grid: ${CELLS} runs, 0 already in ${full}, ${CELLS} to train with 2 workers`,
    );
    expect(outcome.stdout).toContain('| homoscedastic |');
    expect(outcome.stderr).toMatch(new RegExp(`\\[${CELLS}/${CELLS}\\] `)); // a line per run off a TTY

    expect(new Set(keys(full)).size).toBe(CELLS);
    // The data the runs were trained on is part of config.json.
    const config = JSON.parse(readFileSync(join(full, 'config.json'), 'utf8'));
    expect(config.data).toMatchObject({
      source: 'bundled',
      dataDir: null,
      examples: 10000,
      split: { train: 300, validation: 100, test: 100 },
    });
    expect(config.data.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const summary = numbers(full);
    expect(summary.runs).toBe(CELLS);
    expect(summary.arms.map((a) => a.key)).toEqual([
      'homoscedastic',
      'heteroscedastic/tau=1/S=10',
      'heteroscedastic/tau=10/S=10',
      'tempered-softmax/tau=1',
      'tempered-softmax/tau=10',
    ]);
    // The comparisons follow from the selected temperatures: vs tau=1 only when tau* != 1, and
    // the tempered control only when its tau* != 1 (at 1 it is the homoscedastic model).
    const tauStar = (method: string) =>
      summary.selections.find((s) => s.method === method)?.tauStar;
    const hetero = tauStar('heteroscedastic');
    const tempered = tauStar('tempered-softmax');
    const expected = [`heteroscedastic at tau*=${hetero} vs homoscedastic`];
    if (hetero !== 1) expected.push(`heteroscedastic at tau*=${hetero} vs tau=1`);
    if (tempered !== 1) {
      expected.push(`heteroscedastic at tau*=${hetero} vs tempered-softmax at tau*=${tempered}`);
      expected.push(`tempered-softmax at tau*=${tempered} vs homoscedastic`);
    }
    expect(summary.comparisons.map((c) => c.name)).toEqual(expected);
    for (const arm of summary.arms) {
      expect(arm.seeds).toEqual([0, 1, 2]);
      expect(arm.test.nll.mean).toBeGreaterThan(0);
      expect(arm.test.accuracy.mean).toBeGreaterThanOrEqual(0);
    }
    const report = readFileSync(join(full, 'report.md'), 'utf8');
    expect(report).toContain('## Table 1');
    expect(report).toContain('heteroscedastic at tau*=');
    expect(report).toContain('## Per-seed differences in test NLL');
    for (const plot of [
      'nll-vs-temperature-S10.svg',
      'accuracy-vs-temperature-S10.svg',
      'paired-differences.svg',
      'reliability-homoscedastic.svg',
    ]) {
      expect(readFileSync(join(full, plot), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    }
  });

  it('resumes after a crash: nothing lost, nothing repeated, the same numbers', async () => {
    const dir = join(root, 'crashed');
    const { child, done } = start([...GRID, '--workers', '2', '--out', dir]);
    while (lines(dir).length < 2) {
      if (child.exitCode !== null) throw new Error('the run ended before it could be killed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.kill(-(child.pid as number), 'SIGKILL');
    await done;
    // A killed run leaves its config, its runs and its (now stale) lock in the output directory.
    expect(readdirSync(dir).sort()).toEqual(['.lock', 'config.json', 'runs.jsonl']);
    const before = lines(dir);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(CELLS);
    // A kill in the middle of an append leaves a partial line.
    appendFileSync(join(dir, 'runs.jsonl'), '{"key":"heteroscedastic/tau=1');

    const resumed = await bench([...GRID, '--workers', '2', '--out', dir, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('dropping an interrupted last line');
    expect(resumed.stderr).toContain(`replacing the stale lock ${join(dir, '.lock')} (process`);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    expect(resumed.stdout).toContain(
      `${before.length} already in ${dir}, ${CELLS - before.length} to train`,
    );
    const after = lines(dir);
    expect(after.slice(0, before.length)).toEqual(before); // nothing lost
    expect(after).toHaveLength(CELLS); // nothing repeated
    expect(new Set(keys(dir))).toEqual(new Set(keys(full)));
    expect(numbers(dir)).toEqual(numbers(full));

    const again = await bench([...GRID, '--out', dir, '--resume']);
    expect(again.stdout).toContain(`${CELLS} already in ${dir}, 0 to train`);
    expect(lines(dir)).toHaveLength(CELLS);
  });

  it('refuses a second writer on the same directory (exit 2), and trains nothing twice', async () => {
    const dir = join(root, 'locked');
    const first = start([...GRID, '--epochs', '20', '--patience', '20', '--out', dir]);
    while (!existsSync(join(dir, '.lock'))) {
      if (first.child.exitCode !== null) throw new Error('the first run ended too soon');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const second = await bench([
      ...GRID,
      '--epochs',
      '20',
      '--patience',
      '20',
      '--out',
      dir,
      '--resume',
    ]);
    const stillRunning = first.child.exitCode === null;
    process.kill(-(first.child.pid as number), 'SIGKILL');
    await first.done;
    expect(stillRunning).toBe(true);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `uqjs-bench: --out must be a directory no other uqjs-bench process is writing; ${join(dir, '.lock')} says it is held by process ${first.child.pid}`,
    );
    expect(second.stdout).not.toContain('to train with');
  });

  it('shards plus merge equal the unsharded run', async () => {
    const shards = [1, 2].map((i) => join(root, `shard-${i}`));
    const outcomes = await Promise.all(
      shards.map((dir, i) =>
        bench([...GRID, '--shard', `${i + 1}/2`, '--workers', '1', '--out', dir]),
      ),
    );
    for (const outcome of outcomes) expect(outcome.code).toBe(0);
    expect(keys(shards[0]!).length + keys(shards[1]!).length).toBe(CELLS);
    expect(keys(shards[0]!).filter((k) => keys(shards[1]!).includes(k))).toEqual([]);

    const merged = join(root, 'merged');
    const outcome = await bench(['merge', ...shards, '--out', merged]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('| homoscedastic |');
    expect(new Set(keys(merged))).toEqual(new Set(keys(full)));
    expect(numbers(merged)).toEqual(numbers(full));
    expect(existsSync(join(merged, 'report.md'))).toBe(true);

    // `report --to` writes the standalone document docs/results.md is made of.
    const doc = join(root, 'docs', 'results.md');
    const report = await bench(['report', merged, '--to', doc]);
    expect(report.code).toBe(0);
    const text = readFileSync(doc, 'utf8');
    expect(text).toMatch(/^# Results: mnist, collier2020 label noise\n/);
    expect(text).toContain('## Findings');
    expect(text).toContain('paired t = ');
    expect(text).toContain('written next to `../merged/report.md`');
    expect(text).not.toContain('](');
  });

  it('moons: every method, with uncertainty surfaces and the OOD cluster', async () => {
    const dir = join(root, 'moons');
    const outcome = await bench([
      'moons',
      '--quick',
      '--model',
      'tiny',
      '--split',
      '200/100/100',
      '--epochs',
      '1',
      '--seeds',
      '1',
      '--temperatures',
      '10',
      '--train-samples',
      '10',
      '--eval-samples',
      '20',
      '--ensemble-size',
      '2',
      '--workers',
      '1',
      '--out',
      dir,
    ]);
    expect(outcome.stderr).not.toContain('Error');
    expect(outcome.code).toBe(0);
    const records = lines(dir).map((line) => JSON.parse(line) as RunRecord);
    expect(records.map((r) => r.cell.method).sort()).toEqual([
      'ensemble',
      'heteroscedastic',
      'homoscedastic',
      'mc-dropout',
      'sngp',
      'tempered-softmax',
    ]);
    for (const record of records) {
      const surface = record.surface;
      expect(surface?.entropy).toHaveLength(surface!.n * surface!.n);
      // Entropy of a 2-class predictive lies in [0, log 2].
      for (const h of surface!.entropy) expect(h).toBeGreaterThanOrEqual(0);
      for (const h of surface!.entropy) expect(h).toBeLessThanOrEqual(Math.log(2) + 1e-4);
      expect(surface?.oodAuroc).toBeGreaterThanOrEqual(0);
      expect(surface?.oodAuroc).toBeLessThanOrEqual(1);
      expect(
        readFileSync(
          join(
            dir,
            `surface-${record.key
              .replace(/\/seed=0$/, '')
              .replaceAll('/', '_')
              .replaceAll('=', '')}.svg`,
          ),
          'utf8',
        ),
      ).toContain('OOD');
    }
  });

  it('exits with 2 and says what to fix', async () => {
    const badSeeds = await bench(['mnist', '--seeds', 'x']);
    expect(badSeeds.code).toBe(2);
    expect(badSeeds.stderr).toContain('uqjs-bench: --seeds must be a count N');

    const existing = await bench([...GRID, '--out', full]);
    expect(existing.code).toBe(2);
    expect(existing.stderr).toContain(
      `uqjs-bench: --out must be a new directory (or add --resume to continue the run in it), got "${full}"`,
    );

    const otherProtocol = await bench([...GRID, '--out', full, '--resume', '--patience', '2']);
    expect(otherProtocol.code).toBe(2);
    expect(otherProtocol.stderr).toContain('patience: 1 vs 2');

    const noData = await bench([
      'cifar10',
      '--quick',
      '--data-dir',
      join(root, 'no-cifar-here'),
      '--out',
      join(root, 'cifar'),
    ]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toContain('data_batch_1.bin');
    expect(noData.stderr).toContain('download');
    expect(existsSync(join(root, 'cifar'))).toBe(false); // stopped before writing anything

    // Runs on other data are not resumed into a directory: here the digest recorded differs.
    const copy = join(root, 'other-data');
    cpSync(full, copy, { recursive: true });
    const config = JSON.parse(readFileSync(join(copy, 'config.json'), 'utf8'));
    writeFileSync(
      join(copy, 'config.json'),
      JSON.stringify({ ...config, data: { ...config.data, digest: 'sha256:0' } }),
    );
    const otherData = await bench([...GRID, '--out', copy, '--resume']);
    expect(otherData.code).toBe(2);
    expect(otherData.stderr).toContain('data.digest: "sha256:0" vs "sha256:');
  });
});
