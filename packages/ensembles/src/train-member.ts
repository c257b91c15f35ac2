import {
  add,
  gather,
  type Optimizer,
  type Scalar,
  type Tensor,
  tensor1d,
  tidy,
  type Variable,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { deriveSeed, Rng, type Seed } from '@uqjs/core';
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
      const cost = withSeededMathRandom(deriveSeed(plan.seed, 'step', epoch, b), () =>
        tidy(() => {
          const indices = tensor1d(batch, 'int32');
          const xb = gather(plan.x, indices);
          const yb = gather(plan.targets, indices);
          const xAdv =
            plan.adversarialEps > 0
              ? fastGradientSign((input) => objective(input, yb), xb, plan.adversarialEps)
              : null;
          const value = plan.optimizer.minimize(
            () => {
              let value = objective(xb, yb);
              if (xAdv !== null) value = add(value, objective(xAdv, yb));
              for (const penalty of model.calculateLosses()) value = add(value, penalty);
              return value as Scalar;
            },
            true,
            variables,
          );
          if (value === null) throw new Error('trainMember: the optimizer returned no cost');
          return value;
        }),
      );
      total += (await cost.data())[0]! * batch.length;
      cost.dispose();
    }
    history.push(total / rows);
    plan.onEpochEnd?.(epoch, total / rows);
    // Let timers and I/O run between epochs.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return history;
}
