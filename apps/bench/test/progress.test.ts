// The progress display (live area cut to the terminal's width, heartbeat lines in logs), the
// IPC path from the real cell worker, and the tables printed to a terminal.
import { fileURLToPath } from 'node:url';
import { runInWorkers } from '@uqjs/backend/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CellTask } from '../src/cell-worker.js';
import { presetDefaults } from '../src/presets.js';
import { fitToWidth, ProgressDisplay, type RunProgress } from '../src/progress.js';
import type { RunRecord } from '../src/record.js';
import { markdownForTerminal } from '../src/terminal-table.js';

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');

function fakeStream(columns?: number) {
  const writes: string[] = [];
  return {
    writes,
    stream: { write: (text: string) => writes.push(text), isTTY: true, rows: 40, columns },
    /** Every line ever drawn, without the escape sequences. */
    lines: () =>
      writes
        .join('')
        .replace(ANSI, '\n')
        .split(/[\r\n]/)
        .filter(Boolean),
  };
}

const progress = (key: string, epoch: number): RunProgress => ({
  key,
  started: Date.now(),
  epoch,
  maxEpochs: 50,
  batch: 3,
  batches: 10,
  validationNll: 0.5,
});

const record = (key: string) =>
  ({
    key,
    test: { nll: 0.3, accuracy: 0.9, ece: 0.02 },
    epochs: 5,
    bestEpoch: 4,
    seconds: 12,
  }) as unknown as RunRecord;

afterEach(() => {
  vi.useRealTimers();
});

describe('fitToWidth', () => {
  it('cuts to the width with an ellipsis and leaves short lines alone', () => {
    expect(fitToWidth('abcdef', 10)).toBe('abcdef');
    expect(fitToWidth('abcdefghij', 10)).toBe('abcdefghij');
    expect(fitToWidth('abcdefghijk', 10)).toBe('abcdefghi…');
    expect([...fitToWidth('grid · 3/4 · elapsed 1m · ETA 2m', 12)]).toHaveLength(12);
  });
});

describe('ProgressDisplay, on a terminal', () => {
  it.each([40, 60, 80])('no line is wider than a %i-column terminal', (columns) => {
    const t = fakeStream(columns);
    const display = new ProgressDisplay({
      mode: 'bars',
      total: 12,
      alreadyDone: 0,
      workers: 2,
      stream: t.stream,
    });
    const key = 'heteroscedastic/tau=0.03/S=1000/seed=12345';
    display.update(0, progress(key, 3));
    display.update(1, progress('homoscedastic/seed=1', 7));
    const frame = display.frame().split('\n');
    expect(frame).toHaveLength(3);
    for (const line of frame) expect([...line].length).toBeLessThan(columns);
    for (const line of t.lines()) expect([...line].length).toBeLessThan(columns);
    expect(frame[1]).toMatch(/^ {2}heteroscedastic\/tau=0\.03/);
    display.stop();
  });

  it('redraws from the updates it is sent and clears the live area at the end', () => {
    const t = fakeStream(100);
    const display = new ProgressDisplay({
      mode: 'bars',
      total: 2,
      alreadyDone: 0,
      workers: 1,
      stream: t.stream,
    });
    display.update(0, progress('homoscedastic/seed=0', 4));
    expect(t.lines().join('\n')).toContain('homoscedastic/seed=0 4/50');
    display.finished(0, record('homoscedastic/seed=0'));
    expect(t.writes.join('')).toContain('[1/2] homoscedastic/seed=0: test NLL 0.3000');
    expect(display.frame()).not.toContain('homoscedastic/seed=0 4/50');
    const before = t.writes.length;
    display.stop();
    expect(t.writes.length).toBeGreaterThan(before); // the clear
    display.update(1, progress('x', 1));
    expect(t.writes.length).toBe(before + 1);
  });
});

describe('ProgressDisplay, in a log (lines)', () => {
  it('prints a heartbeat after 30 s without output, and again 30 s later', () => {
    vi.useFakeTimers();
    const t = fakeStream();
    const display = new ProgressDisplay({
      mode: 'lines',
      total: 4,
      alreadyDone: 1,
      workers: 1,
      stream: t.stream,
    });
    display.update(0, progress('heteroscedastic/tau=10/S=100/seed=2', 6));
    vi.advanceTimersByTime(29_999);
    expect(t.writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(t.writes).toHaveLength(1);
    expect(t.writes[0]).toMatch(
      /^\[1\/4\] 1 running: heteroscedastic\/tau=10\/S=100\/seed=2 epoch 6\/50 · elapsed 30s · grid ETA \?\n$/,
    );
    vi.advanceTimersByTime(30_000);
    expect(t.writes).toHaveLength(2);
    expect(t.writes[1]).toContain('elapsed 1m00s');
    display.stop();
  });

  it('a finished run restarts the clock; no heartbeat after stop', () => {
    vi.useFakeTimers();
    const t = fakeStream();
    const display = new ProgressDisplay({
      mode: 'lines',
      total: 3,
      alreadyDone: 0,
      workers: 1,
      stream: t.stream,
      heartbeatMs: 30_000,
    });
    vi.advanceTimersByTime(20_000);
    display.finished(0, record('homoscedastic/seed=0'));
    expect(t.writes).toHaveLength(1);
    vi.advanceTimersByTime(29_000); // 49 s after the start, 29 s after the last line
    expect(t.writes).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(t.writes).toHaveLength(2);
    expect(t.writes[1]).toMatch(/^\[1\/3\] 0 running · elapsed 50s · grid ETA 24s\n$/);
    display.stop();
    vi.advanceTimersByTime(120_000);
    expect(t.writes).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('off prints nothing, ever', () => {
    vi.useFakeTimers();
    const t = fakeStream();
    const display = new ProgressDisplay({
      mode: 'off',
      total: 1,
      alreadyDone: 0,
      workers: 1,
      stream: t.stream,
    });
    display.update(0, progress('a', 1));
    vi.advanceTimersByTime(120_000);
    display.finished(0, record('a'));
    display.stop();
    expect(t.writes).toEqual([]);
  });
});

describe('progress over the IPC channel of runInWorkers', () => {
  it('the cell worker sends its training progress before its result', async () => {
    const protocol = {
      ...presetDefaults('quick', 'moons').protocol,
      model: 'tiny' as const,
      split: { train: 64, validation: 32, test: 32 },
      maxEpochs: 3,
      patience: 3,
      evalSamples: 8,
      batchSize: 16,
    };
    const tasks: CellTask[] = [0, 1].map((seed) => ({
      cell: { method: 'homoscedastic', temperature: null, trainSamples: null, seed },
      protocol,
      source: { dataDir: null, download: false },
    }));
    const events: string[] = [];
    const updates: RunProgress[] = [];
    await runInWorkers<CellTask, RunRecord, RunProgress>(tasks, {
      module: fileURLToPath(new URL('../dist/cell-worker.js', import.meta.url)),
      workers: 2,
      env: { UQJS_BACKEND: 'cpu' },
      logBackend: false,
      onProgress: (update, index) => {
        updates.push(update);
        events.push(`${index}:progress`);
      },
      onResult: (result, index) => events.push(`${index}:${result.key}`),
    });
    for (const index of [0, 1]) {
      const own = events.filter((e) => e.startsWith(`${index}:`));
      expect(own.at(-1)).toBe(`${index}:homoscedastic/seed=${index}`);
      expect(own.length).toBeGreaterThan(1);
    }
    // Every epoch's end is sent (with its validation NLL), whatever the throttle.
    for (const seed of [0, 1]) {
      const ends = updates.filter(
        (u) => u.key === `homoscedastic/seed=${seed}` && u.validationNll !== undefined,
      );
      expect(ends.map((u) => u.epoch)).toEqual([1, 2, 3]);
      expect(ends.every((u) => u.maxEpochs === 3 && u.batch === u.batches)).toBe(true);
    }
  });
});

describe('markdownForTerminal', () => {
  const table = [
    '### Test set (mean ± sd over seeds)',
    '',
    '| model | test NLL | seeds |',
    '| --- | --- | --- |',
    '| homoscedastic | 0.9647 ± 0.0194 | 10 |',
    '| heteroscedastic tau=10* | 0.9356 ± 0.0248 | 10 |',
  ];

  it('aligns a table that fits, numbers to the right', () => {
    expect(markdownForTerminal(table, 80)).toEqual([
      'Test set (mean ± sd over seeds)',
      '',
      'model                           test NLL  seeds',
      '-----------------------  ---------------  -----',
      'homoscedastic            0.9647 ± 0.0194     10',
      'heteroscedastic tau=10*  0.9356 ± 0.0248     10',
    ]);
  });

  it('turns a table wider than the terminal into one block per row', () => {
    const out = markdownForTerminal(table, 30);
    expect(out).toEqual([
      'Test set (mean ± sd over',
      'seeds)',
      '',
      'homoscedastic',
      '  test NLL 0.9647 ± 0.0194',
      '  seeds 10',
      'heteroscedastic tau=10*',
      '  test NLL 0.9356 ± 0.0248',
      '  seeds 10',
    ]);
    for (const line of out) expect([...line].length).toBeLessThanOrEqual(30);
  });
});
