import type { EntropyDecomposition } from '@uqjs/metrics';
import type { UncertaintyMeans } from './protocol.js';

/** The mean of `values` (NaN when empty). */
export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Mean total, aleatoric and epistemic uncertainty of an entropy decomposition. */
export function uncertaintyMeans(decomposition: EntropyDecomposition): UncertaintyMeans {
  return {
    total: meanOf(decomposition.total),
    aleatoric: meanOf(decomposition.aleatoric),
    epistemic: meanOf(decomposition.epistemic),
  };
}
