import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { DataError } from '@uqjs/core';
import { METHOD_NAMES } from './config.js';
import { type Cell, cellKey } from './grid.js';
import type { RunRecord } from './record.js';

/**
 * The file every finished run is appended to, one JSON object per line.
 *
 * @since 0.1.0
 */
export const RUNS_FILE = 'runs.jsonl';

/**
 * The runs of an output directory, and whether its last line was cut off mid-write.
 *
 * @since 0.1.0
 */
export interface RunsLog {
  /** One run per cell, in file order (the first line of each cell). */
  readonly records: RunRecord[];
  /** `path:line` of each record, parallel to `records`, for messages. */
  readonly lines: string[];
  /** Bytes of the trailing partial line (a run killed mid-append); 0 when the file is whole. */
  readonly partialBytes: number;
  /** Lines dropped because an earlier line holds the same cell with the same results. */
  readonly warnings: string[];
}

/**
 * Appends one run to `<dir>/runs.jsonl` and flushes it to disk before returning, so a crash
 * after this call never loses the run, and a crash during it leaves at most a partial last line
 * (which {@link readRuns} ignores and {@link dropPartialLine} removes).
 *
 * @since 0.1.0
 */
export function appendRun(dir: string, record: RunRecord): void {
  const fd = openSync(join(dir, RUNS_FILE), 'a');
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads `<dir>/runs.jsonl` (missing file: no runs). Every complete line must be a run record
 * (checked field by field); a final line without its newline is an interrupted append and is
 * left out. Runs are identified by their `cell` (not by `key`): a second line for the same cell
 * with the same results (two processes that trained it) is dropped with a warning, one with
 * other results is an error naming both lines.
 *
 * @throws {DataError} when a complete line is not a run record, or two lines of one cell disagree.
 *
 * @since 0.1.0
 */
export function readRuns(dir: string): RunsLog {
  const path = join(dir, RUNS_FILE);
  if (!existsSync(path)) return { records: [], lines: [], partialBytes: 0, warnings: [] };
  const text = readFileSync(path, 'utf8');
  const lastNewline = text.lastIndexOf('\n');
  const complete = text.slice(0, lastNewline + 1);
  const partialBytes = Buffer.byteLength(text.slice(lastNewline + 1));
  const parsed = complete
    .split('\n')
    .map((line, i) => ({ line, where: `${path}:${i + 1}` }))
    .filter(({ line }) => line.trim().length > 0)
    .map(({ line, where }) => ({ record: parseRecord(line, where), where }));
  const unique = dedupeRuns(parsed, 'readRuns');
  return {
    records: unique.kept.map((r) => r.record),
    lines: unique.kept.map((r) => r.where),
    partialBytes,
    warnings: unique.warnings,
  };
}

/** A run and where it was read from (`path:line`, or a label). */
export interface LocatedRun {
  readonly record: RunRecord;
  readonly where: string;
}

/** The results of a run: everything but when it ran and how long it took. */
function results(record: RunRecord): string {
  const { seconds: _s, finishedAt: _f, key: _k, ...rest } = record;
  return stableJson(rest);
}

/** JSON text with object keys sorted, so equal values give equal text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as Record<string, unknown>)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

/**
 * Keeps one run per cell (by `cellKey(record.cell)`): later runs of a cell with the same results
 * (timing aside) are dropped with a warning; a later run with different results throws.
 *
 * @throws {DataError} naming both runs when two runs of one cell disagree.
 *
 * @since 0.1.0
 */
export function dedupeRuns(
  runs: readonly LocatedRun[],
  fn: string,
): { kept: LocatedRun[]; warnings: string[] } {
  const byCell = new Map<string, LocatedRun>();
  const kept: LocatedRun[] = [];
  const warnings: string[] = [];
  for (const run of runs) {
    const key = cellKey(run.record.cell);
    const first = byCell.get(key);
    if (first === undefined) {
      byCell.set(key, run);
      kept.push(run);
    } else if (results(first.record) === results(run.record)) {
      warnings.push(
        `${fn}: ${run.where} repeats the run of ${key} at ${first.where} with the same results; counting it once`,
      );
    } else {
      throw new DataError(
        `${fn}: ${first.where} and ${run.where} are two runs of ${key} with different results; ` +
          'remove the wrong one (or both, and rerun with --resume to retrain the cell)',
      );
    }
  }
  return { kept, warnings };
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && !Number.isNaN(value);
}

function isNumberArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

function checkMetrics(value: unknown, name: string): string | null {
  if (value === null || typeof value !== 'object') return `${name} must be an object`;
  const m = value as Record<string, unknown>;
  for (const metric of ['nll', 'accuracy', 'ece', 'brier']) {
    if (!isNumber(m[metric]))
      return `${name}.${metric} must be a number, got ${JSON.stringify(m[metric])}`;
  }
  return null;
}

/** What is wrong with `value` as a run record, or `null` when it is one. */
function recordProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  if (typeof r.key !== 'string') return 'key must be a string';
  const cell = r.cell as Record<string, unknown> | null | undefined;
  if (cell === null || typeof cell !== 'object') return 'cell must be an object';
  if (!(METHOD_NAMES as readonly unknown[]).includes(cell.method))
    return `cell.method must be one of ${METHOD_NAMES.join(', ')}, got ${JSON.stringify(cell.method)}`;
  if (!(cell.temperature === null || (isNumber(cell.temperature) && cell.temperature > 0)))
    return `cell.temperature must be a positive number or null, got ${JSON.stringify(cell.temperature)}`;
  if (
    !(
      cell.trainSamples === null ||
      (Number.isInteger(cell.trainSamples) && (cell.trainSamples as number) > 0)
    )
  )
    return `cell.trainSamples must be a positive integer or null, got ${JSON.stringify(cell.trainSamples)}`;
  if (!(Number.isInteger(cell.seed) && (cell.seed as number) >= 0))
    return `cell.seed must be a non-negative integer, got ${JSON.stringify(cell.seed)}`;
  const key = cellKey(cell as unknown as Cell);
  if (r.key !== key) return `key ${JSON.stringify(r.key)} does not match its cell (${key})`;
  const metrics = checkMetrics(r.validation, 'validation') ?? checkMetrics(r.test, 'test');
  if (metrics !== null) return metrics;
  for (const field of ['bestEpoch', 'epochs'] as const) {
    if (!(Number.isInteger(r[field]) && (r[field] as number) >= 0))
      return `${field} must be a non-negative integer, got ${JSON.stringify(r[field])}`;
  }
  const history = r.history as Record<string, unknown> | null | undefined;
  if (
    history === null ||
    typeof history !== 'object' ||
    !isNumberArray(history.trainLoss) ||
    !isNumberArray(history.validationNll)
  )
    return 'history must hold the number arrays trainLoss and validationNll';
  const bins = r.reliability as Record<string, unknown> | null | undefined;
  if (
    bins === null ||
    typeof bins !== 'object' ||
    !isNumberArray(bins.count) ||
    !isNumberArray(bins.confidenceSum) ||
    !isNumberArray(bins.correctSum)
  )
    return 'reliability must hold the number arrays count, confidenceSum and correctSum';
  if (!(isNumber(r.seconds) && r.seconds >= 0))
    return `seconds must be a non-negative number, got ${JSON.stringify(r.seconds)}`;
  if (typeof r.backend !== 'string') return 'backend must be a string';
  if (typeof r.finishedAt !== 'string') return 'finishedAt must be a string';
  if (r.surface !== undefined && (r.surface === null || typeof r.surface !== 'object'))
    return 'surface must be an object when present';
  return null;
}

function parseRecord(line: string, where: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new DataError(
      `readRuns: ${where} is not valid JSON (${(error as Error).message}); remove that line and rerun with --resume to retrain the cell`,
    );
  }
  const problem = recordProblem(value);
  if (problem !== null) {
    throw new DataError(
      `readRuns: ${where} is not a run record (${problem}); remove that line and rerun with --resume to retrain the cell`,
    );
  }
  return value as RunRecord;
}

/**
 * Cuts a trailing partial line (an append interrupted by a crash) off `<dir>/runs.jsonl`.
 *
 * @since 0.1.0
 */
export function dropPartialLine(dir: string, log: RunsLog): void {
  if (log.partialBytes === 0) return;
  const path = join(dir, RUNS_FILE);
  const size = Buffer.byteLength(readFileSync(path, 'utf8'));
  truncateSync(path, size - log.partialBytes);
}
