import type { RegressionTask } from './tasks.js';
import { meanOf } from './uncertainty-means.js';

/**
 * The affine maps between the regression data and what the networks see: `x / halfWidth`
 * (the data range becomes `[-1, 1]`) and standardized targets `(y - mu) / sd`.
 */
export interface RegressionScaling {
  /** Input as the network sees it. */
  readonly x: (x: number) => number;
  /** Target as the network sees it. */
  readonly y: (y: number) => number;
  /** A predicted mean back in the units of `y`. */
  readonly yBack: (y: number) => number;
  /** A predicted variance back in the units of `y^2`. */
  readonly varianceBack: (v: number) => number;
}

/** The scaling of a regression task, from its data range and its training targets. */
export function regressionScaling(task: RegressionTask): RegressionScaling {
  const [lo, hi] = task.dataRange;
  const centre = (lo + hi) / 2;
  const halfWidth = (hi - lo) / 2;
  const mu = meanOf(task.y);
  const sd = Math.sqrt(meanOf(Array.from(task.y, (y) => (y - mu) ** 2)));
  return {
    x: (x) => (x - centre) / halfWidth,
    y: (y) => (y - mu) / sd,
    yBack: (y) => y * sd + mu,
    varianceBack: (v) => v * sd * sd,
  };
}
