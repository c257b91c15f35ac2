import {
  add,
  dispose,
  gather,
  mul,
  type Optimizer,
  type Scalar,
  stack,
  sum,
  type Tensor,
  tensor1d,
  tidy,
  type Variable,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DataError, deriveSeed, Rng, type Seed } from '@uqjs/core';
import { fastGradientSign } from './fast-gradient-sign.js';
import { withSeededMathRandom } from './seeded-math-random.js';

/** What one member's training needs; every random choice derives from `seed`. */
export interface MemberTraining {
  /** Inputs `[N, ...]`. */
  readonly x: Tensor;
  /** Targets `[N, K]` (classification) or `[N]` (regression). */
  readonly targets: Tensor;
  readonly epochs: number;
  readonly batchSize: number;
  /** Fast-gradient-sign step; 0 turns adversarial training off. */
  readonly adversarialEps: number;
  /** The member's training seed: data order and the random ops of each step derive from it. */
  readonly seed: Seed;
  /** Per-batch loss of targets `[B, ...]` and model output. */
  readonly loss: (targets: Tensor, output: Tensor) => Scalar;
  readonly optimizer: Optimizer;
  /** The member's index, for error messages. */
  readonly member: number;
  readonly onEpochEnd?: (epoch: number, loss: number) => void;
}

/**
 * Trains one member with minibatch gradient descent and returns the mean objective per epoch.
 *
 * Epoch `e` visits the rows in the order `Rng(deriveSeed(seed, 'order', e)).permutation(N)`;
 * step `b` of epoch `e` runs with `Math.random` seeded by `deriveSeed(seed, 'step', e, b)`,
 * so unseeded random layers (dropout) are reproducible. The objective of a batch is
 * `loss(x) [+ loss(x')] + regularizers`, with `x'` the fast-gradient-sign example when
 * `adversarialEps > 0` (Lakshminarayanan et al., 2017, algorithm 1).
 *
 * The gradients are computed, then checked (one read of two numbers per step, the cost and a
 * sum that is NaN when any gradient entry is NaN or infinite), then applied: a step with a
 * non-finite objective or gradient throws a `DataError` before it changes any weight.
 */
export async function trainMember(model: LayersModel, plan: MemberTraining): Promise<number[]> {
  const rows = plan.x.shape[0]!;
  const variables = model.trainableWeights.map((weight) => weight.read() as Variable);
  const objective = (xb: Tensor, yb: Tensor) =>
    plan.loss(yb, model.apply(xb, { training: true }) as Tensor);
  const history: number[] = [];
  for (let epoch = 0; epoch < plan.epochs; epoch++) {
    const order = new Rng(deriveSeed(plan.seed, 'order', epoch)).permutation(rows);
    let total = 0;
    for (let b = 0, start = 0; start < rows; b++, start += plan.batchSize) {
      const batch = order.subarray(start, Math.min(start + plan.batchSize, rows));
      const step = withSeededMathRandom(deriveSeed(plan.seed, 'step', epoch, b), () =>
        tidy(() => {
          const indices = tensor1d(batch, 'int32');
          const xb = gather(plan.x, indices);
          const yb = gather(plan.targets, indices);
          const xAdv =
            plan.adversarialEps > 0
              ? fastGradientSign((input) => objective(input, yb), xb, plan.adversarialEps)
              : null;
          const { value, grads } = plan.optimizer.computeGradients(() => {
            let value = objective(xb, yb);
            if (xAdv !== null) value = add(value, objective(xAdv, yb));
            for (const penalty of model.calculateLosses()) value = add(value, penalty);
            return value as Scalar;
          }, variables);
          // [cost, check]: check = cost + sum_g sum(g * 0) is NaN when the cost or any
          // gradient entry is NaN or infinite (Infinity * 0 is NaN).
          const check = Object.values(grads).reduce<Tensor>(
            (acc, g) => add(acc, sum(mul(g, 0))),
            value,
          );
          return { grads, reading: stack([value, check]) };
        }),
      );
      const [cost, check] = await step.reading.data();
      if (!Number.isFinite(check)) {
        dispose(step);
        throw new DataError(
          `DeepEnsemble.fit: member ${plan.member}, epoch ${epoch}, batch ${b}: the objective ` +
            `(${cost}) or its gradients are not finite; no weight was updated by this step ` +
            '(check x and y for NaN or infinite values, or lower the learning rate)',
        );
      }
      plan.optimizer.applyGradients(step.grads);
      dispose(step);
      total += cost! * batch.length;
    }
    history.push(total / rows);
    plan.onEpochEnd?.(epoch, total / rows);
    // Let timers and I/O run between epochs.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return history;
}
