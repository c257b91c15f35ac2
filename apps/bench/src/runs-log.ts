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
  readonly records: RunRecord[];
  /** Bytes of the trailing partial line (a run killed mid-append); 0 when the file is whole. */
  readonly partialBytes: number;
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
 * Reads `<dir>/runs.jsonl` (missing file: no runs). Every complete line must be a run; a final
 * line without its newline is an interrupted append and is left out.
 *
 * @throws {DataError} when a complete line is not a run record.
 *
 * @since 0.1.0
 */
export function readRuns(dir: string): RunsLog {
  const path = join(dir, RUNS_FILE);
  if (!existsSync(path)) return { records: [], partialBytes: 0 };
  const text = readFileSync(path, 'utf8');
  const lastNewline = text.lastIndexOf('\n');
  const complete = text.slice(0, lastNewline + 1);
  const partialBytes = Buffer.byteLength(text.slice(lastNewline + 1));
  const records = complete
    .split('\n')
    .map((line, i) => ({ line, number: i + 1 }))
    .filter(({ line }) => line.trim().length > 0)
    .map(({ line, number }) => parseRecord(line, `${path}:${number}`));
  return { records, partialBytes };
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
  const record = value as Partial<RunRecord> | null;
  if (
    record === null ||
    typeof record !== 'object' ||
    typeof record.key !== 'string' ||
    typeof record.cell !== 'object' ||
    typeof record.test?.nll !== 'number' ||
    typeof record.validation?.nll !== 'number'
  ) {
    throw new DataError(
      `readRuns: ${where} is not a run record (needs key, cell, validation and test); remove that line and rerun with --resume`,
    );
  }
  return record as RunRecord;
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
