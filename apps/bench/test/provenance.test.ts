// Which runs may be pooled: one run per cell (summarize, merge) and one protocol and data per
// output directory (config.json's data description, checked by --resume and merge).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, InvalidArgumentError } from '@uqjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { summarize } from '../src/analysis.js';
import type { Grid, Protocol } from '../src/config.js';
import { type DataDescription, dataDifferences, describeBenchData } from '../src/data.js';
import { lockDirectory } from '../src/lock.js';
import { mergeRuns } from '../src/merge.js';
import { configDifferences, type RunConfigFile, writeConfigFile } from '../src/outputs.js';
import { presetDefaults } from '../src/presets.js';
import type { RunRecord } from '../src/record.js';
import { appendRun, RUNS_FILE } from '../src/runs-log.js';
import { fakeRecord } from './fixtures.js';

const protocol: Protocol = {
  ...presetDefaults('quick', 'mnist').protocol,
  split: { train: 300, validation: 100, test: 100 },
};
const grid: Grid = {
  methods: ['homoscedastic'],
  temperatures: [1],
  trainSamples: [10],
  seeds: [0, 1],
};
const data: DataDescription = {
  source: 'bundled',
  dataDir: null,
  examples: 10000,
  split: { train: 300, validation: 100, test: 100 },
  digest: 'sha256:00',
};
const homo = (seed: number, nll: number): RunRecord =>
  fakeRecord({ method: 'homoscedastic', temperature: null, trainSamples: null, seed }, nll);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'uqjs-bench-provenance-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function shard(records: readonly RunRecord[], description: DataDescription | null = data): string {
  const dir = tempDir();
  const config: RunConfigFile = {
    version: 1,
    preset: 'quick',
    protocol,
    grid,
    shard: null,
    data: description,
    command: 'test',
  };
  writeConfigFile(dir, config);
  for (const record of records) appendRun(dir, record);
  return dir;
}

describe('summarize counts a cell once', () => {
  it('drops a repeated run with the same results', () => {
    const once = summarize([homo(0, 1), homo(1, 2)], protocol, grid);
    const twice = summarize(
      [homo(0, 1), homo(1, 2), { ...homo(0, 1), seconds: 99 }],
      protocol,
      grid,
    );
    expect(twice.runs).toBe(2);
    expect(twice.arms[0]?.seeds).toEqual([0, 1]);
    expect(twice.arms[0]?.test.nll).toEqual(once.arms[0]?.test.nll);
  });

  it('refuses two runs of a cell with different results', () => {
    expect(() => summarize([homo(0, 1), homo(1, 2), homo(0, 3)], protocol, grid)).toThrow(
      DataError,
    );
    expect(() => summarize([homo(0, 1), homo(1, 2), homo(0, 3)], protocol, grid)).toThrow(
      'summarize: run 1 and run 3 are two runs of homoscedastic/seed=0 with different results',
    );
  });
});

describe('merge compares duplicates across directories', () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);

  it('keeps a cell that two shards both ran with the same results once, with a warning', () => {
    warnings.length = 0;
    const first = shard([homo(0, 1)]);
    const second = shard([{ ...homo(0, 1), seconds: 5 }, homo(1, 2)]);
    const out = join(tempDir(), 'merged');
    const summary = mergeRuns([first, second], out, 'merge', warn);
    expect(summary.runs).toBe(2);
    expect(readFileSync(join(out, RUNS_FILE), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(warnings.join('')).toContain(
      `${join(second, RUNS_FILE)}:1 repeats the run of homoscedastic/seed=0 at ${join(first, RUNS_FILE)}:1`,
    );
  });

  it('refuses a cell whose runs disagree, naming both lines', () => {
    const first = shard([homo(0, 1)]);
    const second = shard([homo(0, 1.5)]);
    const out = join(tempDir(), 'merged');
    expect(() => mergeRuns([first, second], out, 'merge', warn)).toThrow(
      `${join(first, RUNS_FILE)}:1 and ${join(second, RUNS_FILE)}:1 are two runs of homoscedastic/seed=0 with different results`,
    );
  });

  it('refuses an output directory another process is writing', () => {
    const first = shard([homo(0, 1)]);
    const out = join(tempDir(), 'merged');
    const held = (() => {
      mkdirSync(out, { recursive: true });
      return lockDirectory(out, 'another merge', () => {});
    })();
    try {
      expect(() => mergeRuns([first], out, 'merge', warn)).toThrow(
        'no other uqjs-bench process is writing',
      );
      expect(existsSync(join(out, RUNS_FILE))).toBe(false);
    } finally {
      held.release();
    }
    mergeRuns([first], out, 'merge', warn);
    expect(existsSync(join(out, '.lock'))).toBe(false);
  });

  it('refuses directories trained on different data', () => {
    const first = shard([homo(0, 1)]);
    const second = shard([homo(1, 2)], { ...data, source: 'data-dir', digest: 'sha256:11' });
    const out = join(tempDir(), 'merged');
    expect(() => mergeRuns([first, second], out, 'merge', warn)).toThrow(InvalidArgumentError);
    expect(() => mergeRuns([first, second], out, 'merge', warn)).toThrow(
      'data.source: "bundled" vs "data-dir"; data.digest: "sha256:00" vs "sha256:11"',
    );
  });

  it('refuses a directory that does not record its data', () => {
    const first = shard([homo(0, 1)]);
    const second = shard([homo(1, 2)], null);
    expect(() => mergeRuns([first, second], join(tempDir(), 'm'), 'merge', warn)).toThrow(
      `data: not recorded in ${second}`,
    );
  });
});

describe('the data description', () => {
  it('records the bundled digits, the split sizes a seed draws and a digest of the data', async () => {
    const described = await describeBenchData(protocol, { dataDir: null, download: false });
    expect(described.source).toBe('bundled');
    expect(described.dataDir).toBeNull();
    expect(described.examples).toBe(10000);
    expect(described.split).toEqual({ train: 300, validation: 100, test: 100 });
    expect(described.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The default split of the bundled digits, measured on a drawn split.
    const defaults = await describeBenchData(
      { ...protocol, split: null },
      { dataDir: null, download: false },
    );
    expect(defaults.split).toEqual({ train: 6000, validation: 2000, test: 2000 });
    expect(defaults.digest).toBe(described.digest); // the same digits
  });

  it('gives moons a generated source and a digest that follows the split', async () => {
    const moons = { ...presetDefaults('quick', 'moons').protocol, split: null };
    const a = await describeBenchData(moons, { dataDir: null, download: false });
    expect(a.source).toBe('generated');
    expect(a.split).toEqual({ train: 1000, validation: 500, test: 500 });
    const b = await describeBenchData(
      { ...moons, split: { train: 100, validation: 50, test: 50 } },
      { dataDir: null, download: false },
    );
    expect(b.digest).not.toBe(a.digest);
  });

  it('compares everything but where the files were', () => {
    expect(dataDifferences(data, { ...data, dataDir: '/elsewhere' })).toEqual([]);
    expect(
      dataDifferences(data, { ...data, split: { train: 200, validation: 100, test: 100 } }),
    ).toEqual([
      'data.split: {"train":300,"validation":100,"test":100} vs {"train":200,"validation":100,"test":100}',
    ]);
    expect(
      configDifferences({ protocol, data }, { protocol: { ...protocol, patience: 9 }, data }, 'd'),
    ).toEqual([`patience: ${protocol.patience} vs 9`]);
  });
});

describe('config.json', () => {
  it('reads a directory written before the data was recorded as data: null', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ version: 1, preset: 'quick', protocol, grid, shard: null, command: 'x' }),
    );
    const { readConfigFile } = await import('../src/outputs.js');
    expect(readConfigFile(dir).data).toBeNull();
  });
});
