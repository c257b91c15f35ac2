import { rmSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import type { ResolvedBackend } from '@uqjs/backend';
import { InvalidArgumentError } from '@uqjs/core';
import type { Summary } from './analysis.js';
import runCell, { type CellTask } from './cell-worker.js';
import type { BenchConfig } from './config.js';
import { type DataDescription, describeBenchData } from './data.js';
import { cellKey, enumerateCells, shardCells } from './grid.js';
import { loadMethod } from './methods/index.js';
import {
  configDifferences,
  type RunConfigFile,
  readConfigFile,
  writeConfigFile,
  writeOutputs,
} from './outputs.js';
import { describeParallelism, planWorkers } from './parallelism.js';
import { estimateGridSeconds } from './presets.js';
import {
  formatDuration,
  ProgressDisplay,
  type ProgressStream,
  type RunProgress,
} from './progress.js';
import type { RunRecord } from './record.js';
import { renderTables } from './report.js';
import { confirmRuns, holdsRun, OutputLock, resolveRunBackend, trainTasks } from './run-loop.js';
import { appendRun, dropPartialLine, readRuns } from './runs-log.js';
import { markdownForTerminal } from './terminal-table.js';

/**
 * Where the bench writes: standard output for results, standard error for progress.
 *
 * @since 0.1.0
 */
export interface BenchIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether standard error is a terminal (progress bars) or not (a line per run). */
  readonly isTTY: boolean;
  /**
   * Asks the user a yes/no question (on a terminal); a grid of more than
   * `CONFIRM_ABOVE_RUNS` runs starts only on `true`. Absent: start without asking.
   */
  readonly confirm?: (question: string) => Promise<boolean>;
  /**
   * The terminal behind `err` (`process.stderr` on a TTY): the live progress display reads its
   * width at every redraw. Absent: `err`, 80 columns.
   */
  readonly errStream?: ProgressStream;
  /** Width of the terminal behind `out`; absent when `out` is not a terminal (tables stay Markdown). */
  readonly outColumns?: number;
}

/**
 * Tables for `io.out`: aligned text on a terminal (`outColumns` wide), Markdown otherwise.
 *
 * @since 0.1.0
 */
export function tablesFor(io: BenchIo, markdown: readonly string[]): string {
  return (
    io.outColumns !== undefined ? markdownForTerminal(markdown, io.outColumns) : markdown
  ).join('\n');
}

/**
 * What a bench invocation produced.
 *
 * @since 0.1.0
 */
export interface BenchResult {
  readonly dir: string;
  readonly summary: Summary;
  /** Runs trained by this invocation (not counting resumed ones). */
  readonly trained: number;
}

function describeDevice(backend: ResolvedBackend): string {
  if (backend.name === 'tensorflow') {
    return backend.gpu ? 'GPU (CUDA, through tfjs-node-gpu)' : 'CPU (native TensorFlow)';
  }
  if (backend.adapter !== undefined) {
    const { vendor, device, description, software } = backend.adapter;
    return `${software ? 'software WebGPU adapter, no GPU' : 'GPU (WebGPU)'}: ${vendor} ${device} (${description})`;
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `CPU: ${cpu}, ${availableParallelism()} cores`;
}

/**
 * Checks that `dir` can hold this run: a fresh directory, or with `--resume` one whose
 * protocol and data are the same. Writes nothing; returns the config file to write.
 */
function checkDirectory(
  config: BenchConfig,
  data: DataDescription,
  command: string,
): RunConfigFile {
  const { out, resume } = config.execution;
  const file: RunConfigFile = {
    version: 1,
    preset: config.preset,
    protocol: config.protocol,
    grid: config.grid,
    shard: config.execution.shard,
    data,
    command,
  };
  if (holdsRun(out, resume)) {
    const differences = configDifferences(readConfigFile(out), file, out);
    if (differences.length > 0) {
      throw new InvalidArgumentError({
        fn: 'uqjs-bench',
        argument: '--resume',
        expected: `the protocol and data of the run in ${out} (${differences.join('; ')})`,
        given: 'different flags or data',
      });
    }
  }
  return file;
}

/**
 * Runs the grid of `config`: trains every cell of this shard that `runs.jsonl` does not hold
 * yet, in parallel worker processes (or in this process with one worker), appending each run
 * as it finishes, then writes `summary.json`, `report.md` and the plots and prints Table 1.
 * The output directory is locked while it runs (`<out>/.lock`, see {@link OutputLock}): a
 * second process on the same `--out` stops with an error before training anything.
 *
 * @example
 * ```ts
 * const { summary } = await runBench(parseBenchArgs(['mnist', '--quick']).config, io, 'uqjs-bench mnist --quick');
 * ```
 *
 * @since 0.1.0
 */
export async function runBench(
  config: BenchConfig,
  io: BenchIo,
  command: string,
): Promise<BenchResult> {
  const lock = new OutputLock(config.execution.out, command, io.err);
  try {
    return await runLocked(config, io, command, lock);
  } finally {
    lock.release();
  }
}

async function runLocked(
  config: BenchConfig,
  io: BenchIo,
  command: string,
  lock: OutputLock,
): Promise<BenchResult> {
  const started = Date.now();
  const { protocol, grid, execution } = config;
  const cells = shardCells(enumerateCells(grid), execution.shard);
  const { backend, threads } = await resolveRunBackend(cells.length, execution);
  io.out(
    `uqjs-bench ${protocol.dataset} (${config.preset} preset) · backend ${backend.name} (${backend.provider}) · ${describeDevice(backend)}\n`,
  );
  for (const method of grid.methods) await loadMethod(method); // fail before any training

  // Everything that can fail on the inputs fails before the first write: the data (a missing
  // dataset, a split larger than the data), the directory's protocol and data, its runs.
  const source = {
    dataDir: execution.dataDir,
    download: execution.download,
    checksums: execution.checksums,
  };
  const data = await describeBenchData(protocol, source);
  // One writer per directory: an existing one is locked before its runs are read; a new one is
  // made (and locked) only once the run is sure to start, below.
  lock.lockExisting();
  const configFile = checkDirectory(config, data, command);
  const log = readRuns(execution.out);
  for (const warning of log.warnings) io.err(`uqjs-bench: ${warning}\n`);
  const finished = new Set(log.records.map((r) => cellKey(r.cell)));
  const todo = cells.filter((cell) => !finished.has(cellKey(cell)));
  const parallel = planWorkers(todo.length, backend.name, execution.workers);
  const measured = log.records.map((r) => r.seconds);
  const estimate = estimateGridSeconds(protocol, todo, parallel, measured);
  io.out(
    `grid: ${cells.length} runs${execution.shard ? ` (shard ${execution.shard.index}/${execution.shard.count})` : ''}, ` +
      `${cells.length - todo.length} already in ${execution.out}, ${todo.length} to train with ${describeParallelism(parallel, threads, backend.name)}` +
      ` · estimated ${formatDuration(estimate)}${measured.length > 0 ? ' (from the finished runs)' : ' (rough)'}\n`,
  );
  // Nothing is written yet, so a rerun after a no is not refused for want of --resume.
  await confirmRuns(
    io,
    todo.length,
    `Train ${todo.length} runs (estimated ${formatDuration(estimate)})? [y/N] `,
    'pass --yes to skip the question, or --quick for a small grid',
  );

  lock.lockForWriting();
  writeConfigFile(execution.out, configFile);
  // Older versions kept progress files in the output directory; a killed run left them behind.
  rmSync(join(execution.out, '.progress'), { recursive: true, force: true });
  if (log.partialBytes > 0) {
    io.err(`uqjs-bench: dropping an interrupted last line of ${execution.out}/runs.jsonl\n`);
    dropPartialLine(execution.out, log);
  }

  const progress = new ProgressDisplay({
    mode:
      execution.progress === 'off'
        ? 'off'
        : execution.progress === 'lines' || !io.isTTY
          ? 'lines'
          : 'bars',
    total: cells.length,
    alreadyDone: cells.length - todo.length,
    workers: parallel,
    stream: io.errStream ?? { write: io.err },
  });
  const tasks: CellTask[] = todo.map((cell) => ({ cell, protocol, source }));
  const onProgress = (update: RunProgress, index: number) => progress.update(index, update);
  const onResult = (record: RunRecord, index: number) => {
    appendRun(execution.out, record);
    progress.finished(index, record);
  };
  try {
    await trainTasks(tasks, {
      parallel,
      backend: backend.name,
      threads,
      module: new URL('./cell-worker.js', import.meta.url),
      run: runCell,
      onResult,
      onProgress,
    });
  } finally {
    progress.stop();
  }

  const records = readRuns(execution.out).records;
  const summary = writeOutputs(execution.out, configFile, records, {
    wallSeconds: (Date.now() - started) / 1000,
  });
  io.out(`\n${tablesFor(io, renderTables(summary))}\n`);
  io.out(
    `wrote ${execution.out}/report.md, summary.json, runs.jsonl and plots · ${todo.length} runs trained in ${((Date.now() - started) / 60000).toFixed(1)} min\n`,
  );
  return { dir: execution.out, summary, trained: todo.length };
}
