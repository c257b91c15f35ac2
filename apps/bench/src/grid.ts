import type { Grid, MethodName, Shard } from './config.js';
import { methodTraits } from './method-traits.js';

/**
 * One training run: a method at a temperature and a number of training MC samples, on the data
 * split and initialization of one seed. Axes a method does not use are `null`.
 *
 * @since 0.1.0
 */
export interface Cell {
  readonly method: MethodName;
  /** Softmax temperature; `null` for methods without one. */
  readonly temperature: number | null;
  /** MC samples of the training loss; `null` for methods without sampling in training. */
  readonly trainSamples: number | null;
  readonly seed: number;
}

/**
 * The cell's identity, stable across processes and versions: e.g.
 * `heteroscedastic/tau=10/S=100/seed=3`. `runs.jsonl` records are keyed by it.
 *
 * @since 0.1.0
 */
export function cellKey(cell: Cell): string {
  const parts: string[] = [cell.method];
  if (cell.temperature !== null) parts.push(`tau=${cell.temperature}`);
  if (cell.trainSamples !== null) parts.push(`S=${cell.trainSamples}`);
  parts.push(`seed=${cell.seed}`);
  return parts.join('/');
}

/**
 * Every cell of the grid, seed-major (all of seed 0's cells, then seed 1's, ...), so a run cut
 * short still holds complete seeds for paired comparisons.
 *
 * Methods without a temperature or sample axis get one cell per seed. `tempered-softmax` at
 * temperature 1 is exactly the homoscedastic model, so when `homoscedastic` is in the grid that
 * cell is not trained twice: the analysis reads it from the homoscedastic run of the same seed.
 *
 * @since 0.1.0
 */
export function enumerateCells(grid: Grid): Cell[] {
  const cells: Cell[] = [];
  for (const seed of grid.seeds) {
    for (const method of grid.methods) {
      const traits = methodTraits(method);
      const temperatures = traits.usesTemperature ? grid.temperatures : [null];
      const samples = traits.usesTrainSamples ? grid.trainSamples : [null];
      for (const temperature of temperatures) {
        if (
          method === 'tempered-softmax' &&
          temperature === 1 &&
          grid.methods.includes('homoscedastic')
        ) {
          continue;
        }
        for (const trainSamples of samples) {
          cells.push({ method, temperature, trainSamples, seed });
        }
      }
    }
  }
  return cells;
}

/**
 * The deterministic slice `shard.index` of `shard.count` (1-based): the cells whose position in
 * {@link enumerateCells}'s order is `index - 1` modulo `count`. Round-robin spreads the
 * expensive and cheap methods evenly over the shards; the union of all shards is the grid.
 *
 * @since 0.1.0
 */
export function shardCells(cells: readonly Cell[], shard: Shard | null): Cell[] {
  if (shard === null) return [...cells];
  return cells.filter((_, i) => i % shard.count === shard.index - 1);
}
