import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@uqjs/core';
import type { Summary } from './analysis.js';
import type { Grid } from './config.js';
import { cellKey, enumerateCells } from './grid.js';
import { lockDirectory } from './lock.js';
import {
  configDifferences,
  type RunConfigFile,
  readConfigFile,
  writeConfigFile,
  writeOutputs,
} from './outputs.js';
import type { RunRecord } from './record.js';
import { dedupeRuns, RUNS_FILE, readRuns } from './runs-log.js';

function union<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  for (const list of lists) for (const item of list) if (!out.includes(item)) out.push(item);
  return out;
}

/**
 * The grid covering every input grid: the union of each axis.
 *
 * @since 0.1.0
 */
export function mergeGrids(grids: readonly Grid[]): Grid {
  return {
    methods: union(grids.map((g) => g.methods)),
    temperatures: union(grids.map((g) => g.temperatures)).sort((a, b) => a - b),
    trainSamples: union(grids.map((g) => g.trainSamples)).sort((a, b) => a - b),
    seeds: union(grids.map((g) => g.seeds)).sort((a, b) => a - b),
  };
}

/**
 * Combines the runs of several output directories (e.g. the shards of one grid) into `out`:
 * checks that they share one protocol and data, keeps each cell once (a repeat with the same
 * results is reported and dropped; one with other results is an error), writes `runs.jsonl` in grid order, `config.json`, and the
 * summary, report and plots of the union.
 *
 * @throws {InvalidArgumentError} when the protocols or data differ or `out` already holds a run.
 * @throws {DataError} when two runs of one cell have different results.
 *
 * @since 0.1.0
 */
export function mergeRuns(
  dirs: readonly string[],
  out: string,
  command: string,
  warn: (message: string) => void,
): Summary {
  const configs = dirs.map((dir) => ({ dir, config: readConfigFile(dir) }));
  const first = configs[0]!;
  for (const { dir, config } of configs) {
    const differences =
      config.data === null
        ? [`data: not recorded in ${dir} (written by an older uqjs-bench), so it cannot be checked`]
        : configDifferences(first.config, config, first.dir);
    if (differences.length > 0) {
      throw new InvalidArgumentError({
        fn: 'uqjs-bench merge',
        argument: dir,
        expected: `a run with the protocol and data of ${first.dir} (${differences.join('; ')})`,
        given: 'a different protocol or data',
      });
    }
  }
  if (existsSync(join(out, RUNS_FILE))) {
    throw new InvalidArgumentError({
      fn: 'uqjs-bench merge',
      argument: '--out',
      expected: 'a directory without runs.jsonl',
      given: out,
    });
  }
  // Each cell once, compared as readRuns compares the lines of one file: the same results
  // again are dropped with a warning, different results are an error naming both lines.
  const located = configs.flatMap(({ dir }) => {
    const log = readRuns(dir);
    for (const warning of log.warnings) warn(`uqjs-bench merge: ${warning}\n`);
    return log.records.map((record, i) => ({ record, where: log.lines[i] ?? dir }));
  });
  const unique = dedupeRuns(located, 'uqjs-bench merge');
  for (const warning of unique.warnings) warn(`${warning}\n`);
  const grid = mergeGrids(configs.map(({ config }) => config.grid));
  const order = new Map(enumerateCells(grid).map((cell, i) => [cellKey(cell), i]));
  const position = (r: RunRecord) => order.get(cellKey(r.cell)) ?? Number.MAX_SAFE_INTEGER;
  const records = unique.kept.map((r) => r.record).sort((a, b) => position(a) - position(b));
  const config: RunConfigFile = {
    version: 1,
    preset: 'merged',
    protocol: first.config.protocol,
    grid,
    shard: null,
    data: first.config.data,
    command,
  };
  // One writer per directory, as for a run; checked again under the lock.
  mkdirSync(out, { recursive: true });
  const lock = lockDirectory(out, command, warn);
  try {
    if (existsSync(join(out, RUNS_FILE))) {
      throw new InvalidArgumentError({
        fn: 'uqjs-bench merge',
        argument: '--out',
        expected: 'a directory without runs.jsonl (another process wrote one just now)',
        given: out,
      });
    }
    writeConfigFile(out, config);
    writeFileSync(join(out, RUNS_FILE), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return writeOutputs(out, config, records);
  } finally {
    lock.release();
  }
}
