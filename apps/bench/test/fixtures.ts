import type { Cell } from '../src/grid.js';
import { cellKey } from '../src/grid.js';
import type { RunRecord, SplitMetrics } from '../src/record.js';

/** A run record with the given test NLL (and validation NLL, default the same), for analysis tests. */
export function fakeRecord(
  cell: Cell,
  testNll: number,
  validationNll = testNll,
  test: Partial<SplitMetrics> = {},
): RunRecord {
  return {
    key: cellKey(cell),
    cell,
    validation: { nll: validationNll, accuracy: 0.8, ece: 0.05, brier: 0.3 },
    test: { nll: testNll, accuracy: 0.8, ece: 0.05, brier: 0.3, ...test },
    bestEpoch: 2,
    epochs: 5,
    history: { trainLoss: [1, 0.9, 0.8, 0.8, 0.8], validationNll: [1, validationNll, 1, 1, 1] },
    reliability: {
      count: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 90],
      confidenceSum: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8.9, 88],
      correctSum: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 80],
    },
    seconds: 1,
    backend: 'cpu',
    finishedAt: '2025-01-01T00:00:00.000Z',
  };
}
