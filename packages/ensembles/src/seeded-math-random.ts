import { Rng, type Seed } from '@uqjs/core';

/**
 * Runs a synchronous `fn` with `Math.random` replaced by a generator seeded with `seed`, and
 * puts the original back afterwards (also when `fn` throws).
 *
 * TensorFlow.js draws the seed of every unseeded random op (the default initializers of
 * tfjs-layers, `tf.dropout` in training) from `Math.random`, so building or training a model
 * inside this scope is reproducible without touching the model's code. The scope must stay
 * synchronous: an `await` inside it would expose the seeded generator to unrelated code.
 */
export function withSeededMathRandom<T>(seed: Seed, fn: () => T): T {
  const rng = new Rng(seed);
  const original = Math.random;
  Math.random = () => rng.uniform();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
