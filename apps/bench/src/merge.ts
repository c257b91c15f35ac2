import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@uqjs/core';
import type { Summary } from './analysis.js';
import { type Grid, protocolDifferences, sameProtocol } from './config.js';
import { cellKey, enumerateCells } from './grid.js';
import { type RunConfigFile, readConfigFile, writeConfigFile, writeOutputs } from './outputs.js';
import type { RunRecord } from './record.js';
import { RUNS_FILE, readRuns } from './runs-log.js';

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
 * checks that they share one protocol, keeps each cell once (the first directory that has it
 * wins; a duplicate is reported), writes `runs.jsonl` in grid order, `config.json`, and the
 * summary, report and plots of the union.
 *
 * @throws {InvalidArgumentError} when the protocols differ or `out` already holds a run.
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
  for (const { dir, config } of configs.slice(1)) {
    if (!sameProtocol(first.config.protocol, config.protocol)) {
      throw new InvalidArgumentError({
        fn: 'uqjs-bench merge',
        argument: dir,
        expected: `a run with the protocol of ${first.dir} (${protocolDifferences(first.config.protocol, config.protocol).join('; ')})`,
        given: 'a different protocol',
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
  const byKey = new Map<string, RunRecord>();
  for (const { dir } of configs) {
    for (const record of readRuns(dir).records) {
      if (byKey.has(record.key))
        warn(
          `uqjs-bench merge: ${record.key} is in more than one directory; keeping the first (${dir} ignored)\n`,
        );
      else byKey.set(record.key, record);
    }
  }
  const grid = mergeGrids(configs.map(({ config }) => config.grid));
  const order = new Map(enumerateCells(grid).map((cell, i) => [cellKey(cell), i]));
  const records = [...byKey.values()].sort(
    (a, b) =>
      (order.get(a.key) ?? Number.MAX_SAFE_INTEGER) - (order.get(b.key) ?? Number.MAX_SAFE_INTEGER),
  );
  const config: RunConfigFile = {
    version: 1,
    preset: 'merged',
    protocol: first.config.protocol,
    grid,
    shard: null,
    command,
  };
  writeConfigFile(out, config);
  writeFileSync(join(out, RUNS_FILE), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return writeOutputs(out, config, records);
}
