// What the e2e test files share besides spawning the CLI (run-cli.ts): the flags of a tiny
// grid, the records a run wrote, and the relative difference the cross-backend checks bound.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../src/record.js';

/** Flags of a run: `--name value` for a string or number, `--name` alone for `true`. */
export type Flags = Readonly<Record<string, string | number | true>>;

/** What every tiny e2e grid starts from: the tiny model, one seed, two epochs, one worker. */
export const TINY: Flags = { model: 'tiny', seeds: 1, epochs: 2, workers: 1 };

/**
 * The two-arm moons grid of the `--calibrate` e2e tests: homoscedastic and heteroscedastic at
 * tau = 1, 10 training and 50 evaluation MC samples, 3 epochs (a few seconds a run), no
 * progress output, no confirmation prompt.
 */
export const MOONS_PAIR: Flags = {
  methods: 'homoscedastic,heteroscedastic',
  temperatures: 1,
  'train-samples': 10,
  'eval-samples': 50,
  epochs: 3,
  progress: 'off',
  yes: true,
};

/**
 * The arguments `dataset --name value ...` of `uqjs-bench`: {@link TINY}, then `flags` (which
 * override a default in its place and add the rest in their order).
 */
export function gridArgs(dataset: string, flags: Flags): string[] {
  const args = [dataset];
  for (const [name, value] of Object.entries({ ...TINY, ...flags })) {
    args.push(`--${name}`);
    if (value !== true) args.push(String(value));
  }
  return args;
}

/**
 * A `--quick` grid of `dataset` on the rows `split` (`'train/validation/test'`): early stopping
 * after one epoch without progress, 20 evaluation MC samples, a progress line per event, then
 * `flags`; the tiny defaults of {@link gridArgs} under it all.
 */
export function quickGridArgs(dataset: string, split: string, flags: Flags): string[] {
  return gridArgs(dataset, {
    quick: true,
    split,
    patience: 1,
    'eval-samples': 20,
    progress: 'lines',
    ...flags,
  });
}

/** The records of `dir/runs.jsonl`, in the order the run wrote them. */
export function readRuns(dir: string): RunRecord[] {
  return readFileSync(join(dir, 'runs.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RunRecord);
}

/** The relative difference `|a - b| / max(|b|, 1e-12)`, against the reference `b`. */
export function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}
