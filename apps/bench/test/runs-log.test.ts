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
    expect(readRuns(tempDir())).toEqual({ records: [], partialBytes: 0 });
  });

  it('round-trips appended runs, one line each', () => {
    const dir = tempDir();
    appendRun(dir, a);
    appendRun(dir, b);
    expect(readRuns(dir)).toEqual({ records: [a, b], partialBytes: 0 });
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
