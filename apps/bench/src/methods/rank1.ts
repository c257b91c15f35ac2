import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Rank1BayesianDense, rank1Predict } from '@uqjs/bayesian';
import { deriveSeed, UqjsError } from '@uqjs/core';
import { applyBody } from '../models.js';
import { softmaxNll } from './losses.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/**
 * Rank-1 Bayesian neural networks (Dusenberry et al., 2020) on the protocol's body, with
 * `M = ensembleSize` members: the last hidden Dense layer and the output layer are
 * `Rank1BayesianDense` layers of `@uqjs/bayesian` (a shared deterministic kernel `W`, per
 * member Gaussian factors `r_m`, `s_m`: `y_m = ((x o r_m) W) o s_m + b_m`), the layers below
 * them shared and deterministic. Every member sees every row: the last hidden layer maps
 * `[B, D]` to `[B, M, U]` and the head gives logits `[B, M, K]`. The loss is the members' mean
 * cross-entropy, each member scored on the row's label; the layers add their KL divided by
 * `M N` (`N` = `trainSize`, as in `bbb`), so a step minimizes the average member's negative
 * ELBO per example. The predictive is `rank1Predict`: `evalSamples` (`--eval-samples`) draws
 * of every member's factors from the evaluation seed, `M * evalSamples` softmaxes averaged. A
 * draw is one forward pass that runs all `M` members, so at prediction the method costs as
 * many passes as `bbb`'s `evalSamples` weight draws.
 *
 * @throws {UqjsError} when the context has no `trainSize`, or the body has no hidden Dense layer.
 * @since 0.1.0
 */
export const rank1: Method = {
  name: 'rank1',
  create(context: MethodContext): MethodModel {
    const numExamples = context.trainSize;
    if (numExamples === undefined) {
      throw new UqjsError(
        'uqjs-bench rank1: the method context has no trainSize (the KL term is divided by it)',
      );
    }
    const { body } = context;
    const widths = body.kind === 'cnn' ? body.dense : body.hidden;
    const units = widths.at(-1);
    if (units === undefined) {
      throw new UqjsError(
        'uqjs-bench rank1: the body has no hidden Dense layer to make the first rank-1 layer',
      );
    }
    const members = context.ensembleSize;
    // Blocks are numbered convolutions first, then dense layers: the last one is the last Dense.
    const last = (body.kind === 'cnn' ? body.filters.length : 0) + widths.length - 1;
    const input = tfl.input({ shape: [...context.inputShape] });
    const features = applyBody(input, body, context.seed, {
      wrapLayer: (layer, index) =>
        index === last
          ? new Rank1BayesianDense({
              units,
              members,
              numExamples,
              seed: deriveSeed(context.seed, 'rank1', 'body'),
            })
          : layer,
    });
    const head = new Rank1BayesianDense({
      units: context.numClasses,
      members,
      numExamples,
      seed: deriveSeed(context.seed, 'rank1', 'head'),
    });
    const model = tfl.model({ inputs: input, outputs: head.apply(features) as tfl.SymbolicTensor });
    return {
      models: [model],
      // [B] labels repeated per member against [B, M, K] logits, read as B*M rows: the mean
      // over rows and members of the cross-entropy. The KL terms join through calculateLosses.
      loss: (labels, logits) =>
        tf.tidy(() => {
          const k = logits.shape[2] as number;
          const repeated = tf.tile(tf.reshape(labels, [-1, 1]), [1, members]);
          return softmaxNll(tf.reshape(repeated, [-1]), tf.reshape(logits, [-1, k]));
        }),
      predict: (x, seed) => rank1Predict(model, x, context.evalSamples, { seed, output: 'logits' }),
      dispose: () => model.dispose(),
    };
  },
};
