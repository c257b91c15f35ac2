// The run loop both commands share: the output directory's lock (made, refused, removed when
// left empty), the --out refusal, the confirmation above CONFIRM_ABOVE_RUNS, and in-process
// training in task order with each task's index.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@uqjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIRM_ABOVE_RUNS } from '../src/args.js';
import { LOCK_FILE } from '../src/lock.js';
import type { BenchIo } from '../src/run-grid.js';
import { confirmRuns, holdsRun, OutputLock, trainTasks } from '../src/run-loop.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'uqjs-bench-run-loop-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const quiet = () => {};

describe('OutputLock', () => {
  it('makes and locks a new directory, and removes it when the run left it empty', () => {
    const out = join(tempDir(), 'a', 'b');
    const lock = new OutputLock(out, 'uqjs-bench segmentation', quiet);
    lock.lockExisting(); // nothing to lock yet
    expect(existsSync(out)).toBe(false);
    lock.lockForWriting();
    expect(existsSync(join(out, LOCK_FILE))).toBe(true);
    lock.release();
    expect(existsSync(out)).toBe(false);
  });

  it('keeps a directory it made once the run wrote into it, and one it did not make', () => {
    const made = join(tempDir(), 'made');
    const lock = new OutputLock(made, 'c', quiet);
    lock.lockForWriting();
    writeFileSync(join(made, 'runs.jsonl'), '');
    lock.release();
    expect(existsSync(join(made, 'runs.jsonl'))).toBe(true);
    expect(existsSync(join(made, LOCK_FILE))).toBe(false);

    const existing = join(tempDir(), 'existing');
    mkdirSync(existing);
    const other = new OutputLock(existing, 'c', quiet);
    other.lockExisting();
    expect(existsSync(join(existing, LOCK_FILE))).toBe(true);
    other.lockForWriting(); // already locked: no second lock, no refusal
    other.release();
    expect(existsSync(existing)).toBe(true);
  });

  it('refuses to write where another process put a config.json since the check', () => {
    const out = tempDir();
    writeFileSync(join(out, 'config.json'), '{}');
    const lock = new OutputLock(out, 'c', quiet);
    expect(() => lock.lockForWriting()).toThrow(/another uqjs-bench process started a run/);
    lock.release();
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });
});

describe('holdsRun', () => {
  it('is false for a fresh directory, true with --resume, an --out error without', () => {
    const out = tempDir();
    expect(holdsRun(out, false)).toBe(false);
    writeFileSync(join(out, 'config.json'), '{}');
    expect(holdsRun(out, true)).toBe(true);
    expect(() => holdsRun(out, false)).toThrow(InvalidArgumentError);
    expect(() => holdsRun(out, false)).toThrow(/--out must be a new directory/);
  });
});

describe('confirmRuns', () => {
  const io = (answer: boolean, asked: string[]): BenchIo => ({
    out: quiet,
    err: quiet,
    isTTY: true,
    confirm: async (question) => {
      asked.push(question);
      return answer;
    },
  });

  it(`asks only above ${CONFIRM_ABOVE_RUNS} runs and stops on no`, async () => {
    const asked: string[] = [];
    await confirmRuns(io(false, asked), CONFIRM_ABOVE_RUNS, 'q?', 'hint');
    expect(asked).toEqual([]);
    await confirmRuns(io(true, asked), CONFIRM_ABOVE_RUNS + 1, 'q?', 'hint');
    expect(asked).toEqual(['q?']);
    await expect(confirmRuns(io(false, asked), 101, 'q?', 'pass --yes')).rejects.toThrow(
      'confirmation must be yes to train 101 runs (pass --yes)',
    );
    // Without a terminal (no confirm), it never asks.
    await confirmRuns({ out: quiet, err: quiet, isTTY: false }, 1000, 'q?', 'hint');
  });
});

describe('trainTasks', () => {
  it('runs the tasks in order in this process with one worker, with their indices', async () => {
    const events: string[] = [];
    await trainTasks<number, number, string>([3, 5, 7], {
      parallel: 1,
      backend: 'cpu',
      threads: 1,
      module: new URL('../src/cell-worker.js', import.meta.url), // not loaded in-process
      run: async (task, context) => {
        context.progress(`${task} half`);
        return task * 2;
      },
      onProgress: (progress, index) => {
        events.push(`progress ${index}: ${progress}`);
      },
      onResult: (result, index) => {
        events.push(`result ${index}: ${result}`);
      },
    });
    expect(events).toEqual([
      'progress 0: 3 half',
      'result 0: 6',
      'progress 1: 5 half',
      'result 1: 10',
      'progress 2: 7 half',
      'result 2: 14',
    ]);
  });
});
