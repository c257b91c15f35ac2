import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import {
  ConfidenceBranch,
  confidenceLoss,
  confidencePredict,
  drawHints,
} from '@uqjs/learned-confidence';
import { applyBody } from '../models.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/**
 * Starting weight `lambda` of the confidence penalty and its budget `beta` (DeVries and
 * Taylor's values, the defaults of `trainWithConfidence`).
 *
 * @since 0.1.0
 */
export const CONFIDENCE_PENALTY = { lambda: 0.1, budget: 0.3 } as const;

/**
 * Learned confidence (DeVries and Taylor, 2018) on the protocol's body: a `ConfidenceBranch`
 * of `@uqjs/learned-confidence` (class logits and a confidence logit, `[B, K + 1]`) trained by
 * the bench's own loop with `confidenceLoss`: step `t` hints each example with probability
 * 0.5 (`drawHints(B, deriveSeed(seed, 'hints', t))`) and minimizes
 * `nll(p') + lambda_t * mean(-log c)`. After every step `lambda` moves by `adaptLambda`'s rule
 * (`* 1.01` when the step's mean `-log c` exceeds the budget, else `/ 1.01`), evaluated on
 * the device so that training never reads a tensor synchronously (`trainWithConfidence`
 * owns its loop, optimizer and epochs, so the bench uses the loss, not that loop).
 *
 * The predictive is the plain softmax of the class logits (`confidencePredict`); the learned
 * confidence `c` is not part of the bench's `Predictive` and is not scored.
 *
 * @since 0.1.0
 */
export const learnedConfidence: Method = {
  name: 'learned-confidence',
  create(context: MethodContext): MethodModel {
    const input = tfl.input({ shape: [...context.inputShape] });
    const features = applyBody(input, context.body, context.seed);
    const branch = new ConfidenceBranch({
      units: context.numClasses,
      seed: deriveSeed(context.seed, 'head', 'confidence'),
    });
    const model = tfl.model({
      inputs: input,
      outputs: branch.apply(features) as tfl.SymbolicTensor,
    });
    // In a tidy: the scalar the variable starts from is freed, the variable kept.
    const lambda = tf.tidy(() => tf.variable(tf.scalar(CONFIDENCE_PENALTY.lambda), false));
    let step = 0;
    return {
      models: [model],
      loss: (labels, output) =>
        tf.tidy(() => {
          const rows = output.shape[0] as number;
          const hints = tf.tensor1d(drawHints(rows, deriveSeed(context.seed, 'hints', step++)));
          const classes = tf.cast(tf.reshape(labels, [-1]), 'int32');
          const targets = tf.oneHot(classes, context.numClasses);
          // lambda 0: the package's loss is then the NLL; the weight is the device-side lambda.
          const { nll, penalty } = confidenceLoss(output, targets, hints, 0);
          // A copy of this step's lambda: the assignment below must not change it.
          const weight = tf.clone(lambda);
          const raised = tf.greater(penalty, CONFIDENCE_PENALTY.budget);
          lambda.assign(tf.where(raised, tf.mul(lambda, 1.01), tf.div(lambda, 1.01)) as tf.Scalar);
          return tf.add(nll, tf.mul(weight, penalty)) as tf.Scalar;
        }),
      predict: (x) => {
        const { probs, confidence } = confidencePredict(model, x);
        confidence.dispose();
        return { probs };
      },
      dispose: () => {
        lambda.dispose();
        model.dispose();
      },
    };
  },
};
