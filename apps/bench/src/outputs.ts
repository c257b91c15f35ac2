import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { DataError } from '@uqjs/core';
import { type Summary, summarize } from './analysis.js';
import {
  type Grid,
  type PresetName,
  type Protocol,
  protocolDifferences,
  type Shard,
} from './config.js';
import { type DataDescription, dataDifferences } from './data.js';
import { cellKey, enumerateCells } from './grid.js';
import { makeFigures } from './plots/figures.js';
import type { RunRecord } from './record.js';
import { renderReport } from './report.js';

/**
 * The file describing an output directory's protocol and grid.
 *
 * @since 0.1.0
 */
export const CONFIG_FILE = 'config.json';

/**
 * What `config.json` holds.
 *
 * @since 0.1.0
 */
export interface RunConfigFile {
  readonly version: 1;
  readonly preset: PresetName | 'merged';
  readonly protocol: Protocol;
  readonly grid: Grid;
  readonly shard: Shard | null;
  /**
   * The data the runs were trained on (source, split sizes used, digest); `null` in
   * directories written before uqjs-bench recorded it, which cannot be resumed or merged.
   */
  readonly data: DataDescription | null;
  /** The command line that created the directory. */
  readonly command: string;
}

/**
 * Reads `<dir>/config.json`.
 *
 * @since 0.1.0
 */
export function readConfigFile(dir: string): RunConfigFile {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) {
    throw new DataError(
      `uqjs-bench: ${path} not found; is ${dir} an output directory of uqjs-bench (it holds config.json and runs.jsonl)?`,
    );
  }
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as RunConfigFile;
    if (parsed.version !== 1 || typeof parsed.protocol !== 'object')
      throw new Error('unknown layout');
    return { ...parsed, data: parsed.data ?? null };
  } catch (error) {
    throw new DataError(
      `uqjs-bench: ${path} is not a uqjs-bench config (${(error as Error).message})`,
    );
  }
}

/**
 * Writes `<dir>/config.json`.
 *
 * @since 0.1.0
 */
export function writeConfigFile(dir: string, config: RunConfigFile): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * What differs between the protocol and data of `existing` (the directory `dir`) and of
 * `wanted`, for messages; empty when runs of both can be pooled. A directory that does not
 * record its data cannot be pooled with any other.
 *
 * @since 0.1.0
 */
export function configDifferences(
  existing: Pick<RunConfigFile, 'protocol' | 'data'>,
  wanted: Pick<RunConfigFile, 'protocol' | 'data'>,
  dir: string,
): string[] {
  const differences = protocolDifferences(existing.protocol, wanted.protocol);
  if (existing.data === null || wanted.data === null) {
    differences.push(
      `data: not recorded in ${existing.data === null ? dir : 'the other run'} (written by an older uqjs-bench), so it cannot be checked`,
    );
  } else {
    differences.push(...dataDifferences(existing.data, wanted.data));
  }
  return differences;
}

function missingCells(config: RunConfigFile, records: readonly RunRecord[]): number {
  if (config.shard !== null) return 0;
  const done = new Set(records.map((r) => cellKey(r.cell)));
  return enumerateCells(config.grid).filter((c) => !done.has(cellKey(c))).length;
}

/**
 * Writes `summary.json`, `report.md` and the SVG plots of `records` into `dir`, and returns the
 * summary.
 *
 * @since 0.1.0
 */
export function writeOutputs(
  dir: string,
  config: RunConfigFile,
  records: readonly RunRecord[],
  extra: { wallSeconds?: number } = {},
): Summary {
  const summary = summarize(records, config.protocol, config.grid);
  const figures = makeFigures(summary, records);
  for (const figure of figures) writeFileSync(join(dir, figure.file), `${figure.svg.trimEnd()}\n`);
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(
    join(dir, 'report.md'),
    renderReport(summary, {
      command: config.command,
      ...(extra.wallSeconds !== undefined ? { wallSeconds: extra.wallSeconds } : {}),
      data: config.data,
      plots: figures.map(({ file, caption }) => ({ file, caption })),
      missingCells: missingCells(config, records),
    }),
  );
  return summary;
}

/**
 * Writes the report of `dir` to `file` as a standalone document (e.g. `docs/results.md`): the
 * same generated findings and tables, a header saying where the runs are (relative to `file`)
 * and which command trained them, and where the plots are instead of the plots. Nothing in it
 * depends on the machine, the time or the working directory of the call, so the same runs
 * give the same document byte for byte wherever they are reported.
 *
 * @since 0.1.0
 */
export function writeStandaloneReport(
  file: string,
  dir: string,
  config: RunConfigFile,
  records: readonly RunRecord[],
  summary: Summary,
): void {
  const p = config.protocol;
  mkdirSync(dirname(file), { recursive: true });
  // Paths in the document are relative to the document, so they stay right wherever it is read.
  const runs = relative(dirname(file), dir).split(sep).join('/') || '.';
  writeFileSync(
    file,
    renderReport(summary, {
      title: `Results: ${p.dataset}, ${p.labelNoise} label noise`,
      preamble: [
        `Generated by \`uqjs-bench report\` from the runs in \`${runs}\` (relative to this file: \`runs.jsonl\` and \`config.json\`); the runs were trained by the command below. ` +
          'Every number and sentence here is computed from those runs: regenerate this file instead of editing it.',
      ],
      command: config.command,
      data: config.data,
      plots: [],
      plotsNote: `The SVG plots (test NLL and accuracy against the temperature, per-seed paired differences, reliability diagrams) are written next to \`${runs}/report.md\`.`,
      missingCells: missingCells(config, records),
    }),
  );
}
