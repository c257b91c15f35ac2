/**
 * `@uqjs/bench`: the benchmark behind `uqjs-bench`, usable as a library too.
 *
 * Legend: `B` batch, `S` MC samples, `K` classes, `M` members.
 *
 * @since 0.1.0
 */
export type {
  Arm,
  ArmSummary,
  Comparison,
  MetricName,
  PairedTest,
  Selection,
  Summary,
} from './analysis.js';
export { armKey, compareArms, holmAdjust, summarize } from './analysis.js';
export type { BenchCommand } from './args.js';
export { parseBenchArgs, USAGE } from './args.js';
export type { CellTask } from './cell-worker.js';
export { default as runCell } from './cell-worker.js';
export type {
  BenchConfig,
  DatasetName,
  Execution,
  Grid,
  MethodName,
  PresetName,
  Protocol,
  Shard,
  SplitSizes,
} from './config.js';
export { DATASETS, METHOD_NAMES, PRESETS } from './config.js';
export type { Cell } from './grid.js';
export { cellKey, enumerateCells, shardCells } from './grid.js';
export { main } from './main.js';
export { mergeRuns } from './merge.js';
export type { Method, MethodContext, MethodModel } from './methods/method.js';
export { presetDefaults } from './presets.js';
export type { ReliabilityBins, RunRecord, SplitMetrics, Surface } from './record.js';
export { renderReport, renderTables } from './report.js';
export type { BenchIo, BenchResult } from './run-grid.js';
export { runBench } from './run-grid.js';
export { readRuns } from './runs-log.js';
