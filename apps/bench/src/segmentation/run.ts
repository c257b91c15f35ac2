import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, InvalidArgumentError } from '@uqjs/core';
import { cellKey, enumerateCells } from '../grid.js';
import { lockDirectory } from '../lock.js';
import { describeParallelism, planWorkers } from '../parallelism.js';
import { formatDuration } from '../progress.js';
import { type BenchIo, tablesFor } from '../run-grid.js';
import { confirmRuns, holdsRun, OutputLock, resolveRunBackend, trainTasks } from '../run-loop.js';
import { RUNS_FILE } from '../runs-log.js';
import {
  type SegmentationRunRecord,
  type SegmentationSummary,
  summarizeSegmentation,
} from './analysis.js';
import runSegmentationCell, { type SegmentationProgress, type SegmentationTask } from './cell.js';
import { loadSegmentationData } from './data.js';
import type { SegmentationConfig } from './protocol.js';
import { renderSegmentationReport, renderSegmentationTables } from './report.js';

/**
 * `config.json` of a segmentation output directory.
 *
 * @since 0.1.0
 */
export interface SegmentationConfigFile {
  readonly version: 1;
  readonly bench: 'segmentation';
  readonly preset: SegmentationConfig['preset'];
  readonly protocol: SegmentationConfig['protocol'];
  readonly grid: SegmentationConfig['grid'];
  readonly command: string;
}

/**
 * What `uqjs-bench segmentation` produced.
 *
 * @since 0.1.0
 */
export interface SegmentationResult {
  readonly dir: string;
  readonly summary: SegmentationSummary;
  /** Runs trained by this invocation (not counting resumed ones). */
  readonly trained: number;
}

/**
 * The runs in `dir/runs.jsonl`, one {@link SegmentationRunRecord} per line; an unfinished last
 * line (a run killed mid-append) is dropped.
 */
function readSegmentationRuns(dir: string): SegmentationRunRecord[] {
  const path = join(dir, RUNS_FILE);
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete.length < text.length) writeFileSync(path, complete);
  return complete
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as SegmentationRunRecord;
      } catch {
        throw new DataError(`${path}:${i + 1} is not a JSON run record`);
      }
    });
}

/** A heartbeat line is printed when nothing was printed for this long, ms. */
const HEARTBEAT_MS = 30_000;

/**
 * The heartbeat line: runs done, time elapsed, and where each running run is.
 *
 * @since 0.1.0
 */
export function heartbeatLine(
  done: number,
  total: number,
  elapsedSeconds: number,
  running: readonly SegmentationProgress[],
): string {
  const where = running.map(
    (p) => `${p.key} epoch ${p.epoch}/${p.epochs} (validation NLL ${p.validationNll.toFixed(4)})`,
  );
  return (
    `... ${done}/${total} runs done, ${formatDuration(elapsedSeconds)} elapsed` +
    `${where.length > 0 ? `; running: ${where.join('; ')}` : ''}\n`
  );
}

/** Refuses an output directory that holds another run (or, without `--resume`, any run). */
function checkDirectory(file: SegmentationConfigFile, out: string, resume: boolean): void {
  if (!holdsRun(out, resume)) return;
  const old = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as SegmentationConfigFile;
  const differs = (['bench', 'protocol', 'grid'] as const).filter(
    (key) => JSON.stringify(old[key]) !== JSON.stringify(file[key]),
  );
  if (differs.length > 0) {
    throw new InvalidArgumentError({
      fn: 'uqjs-bench',
      argument: '--resume',
      expected: `the ${differs.join(' and ')} of the segmentation run in ${out}`,
      given: 'different flags',
    });
  }
}

function finishedLine(record: SegmentationRunRecord, done: number, total: number): string {
  const t = record.test;
  const ood = t.ood === null ? '' : `, OOD AUROC ${t.ood.auroc.toFixed(3)}`;
  return (
    `[${done}/${total}] ${record.key} · best epoch ${record.bestEpoch}/${record.epochs} · ` +
    `test mIoU ${t.meanIoU.toFixed(4)}, NLL ${t.nll.toFixed(4)}${ood} · ${record.seconds.toFixed(1)} s\n`
  );
}

/**
 * Writes `summary.json` and `report.md` of the segmentation run in `out` from its
 * `runs.jsonl` (in grid order: workers finish in any order) and the config file `file`.
 */
function writeSegmentationOutputs(
  out: string,
  file: SegmentationConfigFile,
  wallSeconds?: number,
): SegmentationSummary {
  const order = new Map(enumerateCells(file.grid).map((cell, i) => [cellKey(cell), i]));
  const records = readSegmentationRuns(out).sort(
    (a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0),
  );
  const summary = summarizeSegmentation(records, file.grid);
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const context = { command: file.command, protocol: file.protocol, grid: file.grid, records };
  writeFileSync(
    join(out, 'report.md'),
    renderSegmentationReport(
      summary,
      wallSeconds === undefined ? context : { ...context, wallSeconds },
    ),
  );
  return summary;
}

/**
 * The config file of `dir` when it holds a `uqjs-bench segmentation` run, else `null`.
 *
 * @since 0.1.0
 */
export function segmentationConfigOf(dir: string): SegmentationConfigFile | null {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return null;
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<SegmentationConfigFile>;
    return file.bench === 'segmentation' ? (file as SegmentationConfigFile) : null;
  } catch {
    return null;
  }
}

/**
 * `uqjs-bench report <dir>` for a segmentation run: rewrites `summary.json` and `report.md`
 * from `runs.jsonl` without training (the report then states no wall time) and prints the
 * tables.
 *
 * @since 0.1.0
 */
export function reportSegmentation(
  dir: string,
  file: SegmentationConfigFile,
  io: BenchIo,
  command: string,
): SegmentationSummary {
  const lock = lockDirectory(dir, command, io.err);
  try {
    const summary = writeSegmentationOutputs(dir, file);
    io.out(
      `${tablesFor(io, renderSegmentationTables(summary))}\nwrote ${dir}/report.md and summary.json\n`,
    );
    return summary;
  } finally {
    lock.release();
  }
}

/**
 * Runs `uqjs-bench segmentation`: every cell of the grid that `out/runs.jsonl` does not hold
 * yet is trained ({@link runSegmentationCell}), in worker processes or in this one, and
 * appended to `runs.jsonl` as it finishes; then `summary.json` and `report.md` (tables, `tau*`
 * on validation, paired tests on mIoU and NLL, the picture grids under `pictures/`) are
 * written and the tables printed. Standard error gets a line per finished run and, when
 * nothing was printed for 30 s, a heartbeat ({@link heartbeatLine}). The data is loaded once here first, so a missing dataset
 * stops the command before anything is written; the directory is locked while it runs.
 *
 * @since 0.1.0
 */
export async function runSegmentation(
  config: SegmentationConfig,
  io: BenchIo,
  command: string,
): Promise<SegmentationResult> {
  const started = Date.now();
  const { protocol, grid, execution } = config;
  const cells = enumerateCells(grid);
  const { backend, threads } = await resolveRunBackend(cells.length, execution);
  io.out(
    `uqjs-bench segmentation ${protocol.dataset} (${config.preset} preset) · backend ${backend.name} (${backend.provider})\n`,
  );
  const first = grid.seeds[0] ?? 0;
  await loadSegmentationData(protocol, execution.dataDir, first); // fails before any write
  const file: SegmentationConfigFile = {
    version: 1,
    bench: 'segmentation',
    preset: config.preset,
    protocol,
    grid,
    command,
  };
  const out = execution.out;
  checkDirectory(file, out, execution.resume);
  const lock = new OutputLock(out, command, io.err);
  try {
    lock.lockExisting();
    const previous = readSegmentationRuns(out);
    const finished = new Set(previous.map((r) => r.key));
    const todo = cells.filter((cell) => !finished.has(cellKey(cell)));
    const parallel = planWorkers(todo.length, backend.name, execution.workers);
    io.out(
      `grid: ${cells.length} runs, ${cells.length - todo.length} already in ${out}, ` +
        `${todo.length} to train with ${describeParallelism(parallel, threads, backend.name)}\n`,
    );
    await confirmRuns(
      io,
      todo.length,
      `Train ${todo.length} segmentation runs? [y/N] `,
      'pass --yes to skip the question',
    );
    lock.lockForWriting();
    writeFileSync(join(out, 'config.json'), `${JSON.stringify(file, null, 2)}\n`);

    const tasks: SegmentationTask[] = todo.map((cell) => ({
      cell,
      protocol,
      dataDir: execution.dataDir,
      out,
      pictures: cell.seed === first ? execution.pictures : 0,
    }));
    let done = cells.length - todo.length;
    let printed = Date.now();
    const say = (text: string) => {
      io.err(text);
      printed = Date.now();
    };
    // The last epoch of each running task, for the heartbeat.
    const running = new Map<number, SegmentationProgress>();
    const onProgress = (progress: SegmentationProgress, index: number) => {
      running.set(index, progress);
    };
    const onResult = (record: SegmentationRunRecord, index: number) => {
      // Flushed before the next run is reported, so a crash loses only the runs in progress.
      appendFileSync(join(out, RUNS_FILE), `${JSON.stringify(record)}\n`, { flush: true });
      running.delete(index);
      say(finishedLine(record, ++done, cells.length));
    };
    const heartbeat = setInterval(() => {
      if (Date.now() - printed < HEARTBEAT_MS) return;
      say(heartbeatLine(done, cells.length, (Date.now() - started) / 1000, [...running.values()]));
    }, 1000);
    heartbeat.unref();
    try {
      await trainTasks(tasks, {
        parallel,
        backend: backend.name,
        threads,
        module: new URL('./cell.js', import.meta.url),
        run: runSegmentationCell,
        onResult,
        onProgress,
      });
    } finally {
      clearInterval(heartbeat);
    }

    const wallSeconds = (Date.now() - started) / 1000;
    const summary = writeSegmentationOutputs(out, file, wallSeconds);
    io.out(`\n${tablesFor(io, renderSegmentationTables(summary))}\n`);
    io.out(
      `wrote ${out}/report.md, summary.json, runs.jsonl and pictures · ${todo.length} runs trained in ${formatDuration(wallSeconds)}\n`,
    );
    return { dir: out, summary, trained: todo.length };
  } finally {
    lock.release();
  }
}
