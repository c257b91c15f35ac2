import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UqjsError } from '@uqjs/core';
import { type BenchCommand, helpText, PROGRAM, parseBenchArgs, USAGE } from './args.js';
import { mergeRuns } from './merge.js';
import { readConfigFile, writeOutputs, writeStandaloneReport } from './outputs.js';
import { renderTables } from './report.js';
import { type BenchIo, runBench, tablesFor } from './run-grid.js';
import { readRuns } from './runs-log.js';
import { parseSegmentationArgs, SEGMENTATION_USAGE } from './segmentation/args.js';
import { reportSegmentation, runSegmentation, segmentationConfigOf } from './segmentation/run.js';

/** Shell-quotes an argument for the command line shown in reports. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

function stamp(): string {
  return new Date().toISOString().slice(0, 19).replaceAll(':', '-');
}

/**
 * The version of this package, from its package.json (next to `dist/` in the repository and in
 * the published tarball).
 *
 * @since 0.1.0
 */
export function benchVersion(): string {
  const file = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

async function execute(command: BenchCommand, io: BenchIo, line: string): Promise<void> {
  switch (command.kind) {
    case 'help':
      io.out(`${helpText(command.topic)}\n`);
      return;
    case 'version':
      io.out(`${PROGRAM} ${benchVersion()}\n`);
      return;
    case 'run': {
      // --yes: no question; otherwise the terminal's `confirm`, if any.
      const { confirm, ...rest } = io;
      await runBench(command.config, command.yes || confirm === undefined ? rest : io, line);
      return;
    }
    case 'merge': {
      const dataset = readConfigFile(command.dirs[0]!).protocol.dataset;
      const out = command.out ?? join('results', dataset, `merged-${stamp()}`);
      const summary = mergeRuns(command.dirs, out, line, io.err);
      io.out(
        `${tablesFor(io, renderTables(summary))}\nwrote ${out}/report.md, summary.json, runs.jsonl and plots\n`,
      );
      return;
    }
    case 'report': {
      const config = readConfigFile(command.dir);
      const log = readRuns(command.dir);
      for (const warning of log.warnings) io.err(`uqjs-bench: ${warning}\n`);
      const records = log.records;
      const summary = writeOutputs(command.dir, config, records);
      if (command.to !== null) {
        writeStandaloneReport(command.to, command.dir, config, records, summary);
      }
      io.out(
        `${tablesFor(io, renderTables(summary))}\nwrote ${command.dir}/report.md, summary.json and plots` +
          `${command.to !== null ? ` and ${command.to}` : ''}\n`,
      );
      return;
    }
  }
}

/** `uqjs-bench segmentation ...`: its help, or a segmentation grid. */
async function segmentation(argv: readonly string[], io: BenchIo, line: string): Promise<void> {
  const command = parseSegmentationArgs(argv);
  if (command.kind === 'help') {
    io.out(`${SEGMENTATION_USAGE}\n`);
    return;
  }
  const { confirm, ...rest } = io;
  await runSegmentation(command.config, command.yes || confirm === undefined ? rest : io, line);
}

/**
 * The `uqjs-bench` program: parses `argv` (without `node` and the script), runs the command
 * and returns the exit code: 0 on success, 2 for a usage or data error (the message says what
 * to fix), 1 for anything else.
 *
 * @since 0.1.0
 */
export async function main(argv: readonly string[], io: BenchIo): Promise<number> {
  const line = [PROGRAM, ...argv].map(quote).join(' ');
  try {
    const segmentationRun =
      argv[0] === 'report' && argv.length === 2 ? segmentationConfigOf(argv[1] as string) : null;
    if (segmentationRun !== null) reportSegmentation(argv[1] as string, segmentationRun, io, line);
    else if (argv[0] === 'segmentation') await segmentation(argv.slice(1), io, line);
    else if (argv[0] === 'help' && argv[1] === 'segmentation')
      await segmentation(['--help'], io, line);
    else await execute(parseBenchArgs(argv), io, line);
    return 0;
  } catch (error) {
    if (error instanceof UqjsError) {
      io.err(`${error.message}\n`);
      if (argv.length === 0) io.err(`\n${USAGE}\n`);
      return 2;
    }
    io.err(
      `${PROGRAM}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
