import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@uqjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/record.js';
import { appendRun, dropPartialLine, RUNS_FILE, readRuns } from '../src/runs-log.js';
import { fakeRecord } from './fixtures.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'uqjs-bench-log-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const a: RunRecord = fakeRecord(
  { method: 'homoscedastic', temperature: null, trainSamples: null, seed: 0 },
  0.9,
);
const b: RunRecord = fakeRecord(
  { method: 'heteroscedastic', temperature: 10, trainSamples: 100, seed: 0 },
  0.8,
);

describe('runs.jsonl', () => {
  it('is empty before the first run', () => {
    expect(readRuns(tempDir())).toEqual({ records: [], lines: [], partialBytes: 0, warnings: [] });
  });

  it('round-trips appended runs, one line each', () => {
    const dir = tempDir();
    appendRun(dir, a);
    appendRun(dir, b);
    const path = join(dir, RUNS_FILE);
    expect(readRuns(dir)).toEqual({
      records: [a, b],
      lines: [`${path}:1`, `${path}:2`],
      partialBytes: 0,
      warnings: [],
    });
    expect(readFileSync(join(dir, RUNS_FILE), 'utf8').split('\n')).toHaveLength(3);
  });

  it('ignores, then drops, a last line cut off mid-write', () => {
    const dir = tempDir();
    appendRun(dir, a);
    const partial = JSON.stringify(b).slice(0, 40);
    appendFileSync(join(dir, RUNS_FILE), partial);
    const log = readRuns(dir);
    expect(log.records).toEqual([a]);
    expect(log.partialBytes).toBe(Buffer.byteLength(partial));
    dropPartialLine(dir, log);
    expect(readFileSync(join(dir, RUNS_FILE), 'utf8')).toBe(`${JSON.stringify(a)}\n`);
    appendRun(dir, b);
    expect(readRuns(dir).records).toEqual([a, b]);
  });

  it('rejects a complete line that is not a run, naming the line', () => {
    const dir = tempDir();
    writeFileSync(join(dir, RUNS_FILE), `${JSON.stringify(a)}\n{"key": 3}\n`);
    expect(() => readRuns(dir)).toThrow(DataError);
    expect(() => readRuns(dir)).toThrow(`${join(dir, RUNS_FILE)}:2 is not a run record`);
    writeFileSync(join(dir, RUNS_FILE), 'not json\n');
    expect(() => readRuns(dir)).toThrow(`${join(dir, RUNS_FILE)}:1 is not valid JSON`);
  });
});

describe('runs.jsonl records are checked on read', () => {
  const line = (value: unknown) => `${JSON.stringify(value)}\n`;

  it('rejects a wrongly typed field, naming the line and the field', () => {
    const dir = tempDir();
    const bad = { ...a, cell: { ...a.cell, seed: 'zero' } };
    writeFileSync(join(dir, RUNS_FILE), line(b) + line(bad));
    expect(() => readRuns(dir)).toThrow(DataError);
    expect(() => readRuns(dir)).toThrow(
      `${join(dir, RUNS_FILE)}:2 is not a run record (cell.seed must be a non-negative integer, got "zero")`,
    );
  });

  it.each([
    [
      'a method the bench does not know',
      { ...a, cell: { ...a.cell, method: 'bayes' } },
      'cell.method',
    ],
    ['a string score', { ...a, test: { ...a.test, ece: '0.05' } }, 'test.ece'],
    [
      'a missing metric',
      { ...a, validation: { nll: 1, accuracy: 0.5, ece: 0.1 } },
      'validation.brier',
    ],
    ['a key of another cell', { ...a, key: b.key }, 'does not match its cell'],
    [
      'a history that is not numbers',
      { ...a, history: { trainLoss: ['x'], validationNll: [] } },
      'history',
    ],
    ['no reliability bins', { ...a, reliability: undefined }, 'reliability'],
    ['a fractional epoch count', { ...a, epochs: 2.5 }, 'epochs'],
  ])('rejects %s', (_what, bad, field) => {
    const dir = tempDir();
    writeFileSync(join(dir, RUNS_FILE), line(bad));
    expect(() => readRuns(dir)).toThrow(new RegExp(`:1 is not a run record \\(.*${field}`));
  });
});

describe('runs.jsonl duplicates', () => {
  it('counts a repeated run of a cell once, with a warning naming both lines', () => {
    const dir = tempDir();
    // The same results from a second process: only the timing differs.
    const again: RunRecord = { ...a, seconds: 7, finishedAt: '2025-01-02T00:00:00.000Z' };
    appendRun(dir, a);
    appendRun(dir, b);
    appendRun(dir, again);
    const log = readRuns(dir);
    const path = join(dir, RUNS_FILE);
    expect(log.records).toEqual([a, b]);
    expect(log.lines).toEqual([`${path}:1`, `${path}:2`]);
    expect(log.warnings).toEqual([
      `readRuns: ${path}:3 repeats the run of ${a.key} at ${path}:1 with the same results; counting it once`,
    ]);
  });

  it('refuses two runs of a cell with different results, naming both lines', () => {
    const dir = tempDir();
    appendRun(dir, a);
    appendRun(dir, b);
    appendRun(dir, { ...a, test: { ...a.test, nll: 0.5 } });
    const path = join(dir, RUNS_FILE);
    expect(() => readRuns(dir)).toThrow(DataError);
    expect(() => readRuns(dir)).toThrow(
      `${path}:1 and ${path}:3 are two runs of ${a.key} with different results`,
    );
  });

  it('identifies a run by its cell, whatever the key field says', () => {
    // Same cell written with its key fields in another order: still the same cell.
    const reordered = {
      ...a,
      cell: { seed: 0, trainSamples: null, temperature: null, method: 'homoscedastic' },
    };
    const dir = tempDir();
    writeFileSync(join(dir, RUNS_FILE), `${JSON.stringify(a)}\n${JSON.stringify(reordered)}\n`);
    expect(readRuns(dir).records).toHaveLength(1);
  });
});
