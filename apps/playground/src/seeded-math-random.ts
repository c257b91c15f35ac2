import { deriveSeed, Rng } from '@uqjs/core';

/**
 * Runs `body` with `Math.random` replaced by a seeded stream (`Rng` of `@uqjs/core`), then
 * puts the original back. tfjs draws the seeds of unseeded initializers and dropout masks,
 * and `fit` its shuffling, from `Math.random`; with this, the same settings give the same
 * run on the same backend. Only for code that owns its thread (the training worker, a test):
 * anything else that calls `Math.random` meanwhile draws from the same stream.
 */
export async function withSeededMathRandom<T>(seed: number, body: () => Promise<T>): Promise<T> {
  const original = Math.random;
  const rng = new Rng(deriveSeed(seed, 'playground', 'math-random'));
  Math.random = () => rng.uniform();
  try {
    return await body();
  } finally {
    Math.random = original;
  }
}
