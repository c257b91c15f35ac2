import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import { MimoHead, MimoStack, mimoBatch, mimoLoss, mimoPredict } from '@uqjs/ensembles';
import { applyBody } from '../models.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/**
 * MIMO (Havasi et al., 2021, "Training independent subnetworks for robust prediction") on the
 * protocol's body, with `M = ensembleSize` members in one network: its input `[B, M, ...]`
 * goes through `MimoStack` (`[B, M, D] -> [B, M*D]` for an MLP, `[B, M, H, W, C] ->
 * [B, H, W, M*C]` for a CNN), the body, and a `MimoHead` giving logits `[B, M, K]`
 * (`@uqjs/ensembles`). Each training batch becomes a MIMO batch (`mimoBatch`, the trainer's
 * batch seed, no input repetition): member `m` sees the batch in its own permutation, and the
 * loss is `mimoLoss`, the sum over members of their mean cross-entropy (so the training loss
 * is about `M` times a single network's). The predictive (`mimoPredict`) gives every member
 * the same input and averages their softmaxes: `M` members for the cost of one forward pass.
 *
 * @since 0.1.0
 */
export const mimo: Method = {
  name: 'mimo',
  create(context: MethodContext): MethodModel {
    const members = context.ensembleSize;
    const input = tfl.input({ shape: [members, ...context.inputShape] });
    const stacked = new MimoStack().apply(input) as tfl.SymbolicTensor;
    const features = applyBody(stacked, context.body, context.seed);
    const head = new MimoHead({
      members,
      units: context.numClasses,
      seed: deriveSeed(context.seed, 'head', 'mimo'),
    });
    const model = tfl.model({ inputs: input, outputs: head.apply(features) as tfl.SymbolicTensor });
    return {
      models: [model],
      // [B, ...] rows and [B] labels -> [B, M, ...] inputs and [B, M] labels.
      trainingBatch: (x, labels, seed) => {
        const batch = mimoBatch(x, labels, members, { seed });
        return { x: batch.inputs, labels: batch.labels };
      },
      loss: (labels, logits) => mimoLoss(labels, logits),
      predict: (x) => mimoPredict(model, x, { members, output: 'logits' }),
      dispose: () => model.dispose(),
    };
  },
};
