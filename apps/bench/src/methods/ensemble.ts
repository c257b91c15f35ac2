import * as tfl from '@tensorflow/tfjs-layers';
import { DeepEnsemble } from '@uqjs/ensembles';
import { applyBody, headInitializer } from '../models.js';
import { softmaxNll } from './losses.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/**
 * `ensembleSize` homoscedastic networks (the protocol's body, Dense logits `[B, K]`) as a
 * `DeepEnsemble`, each initialized from its member seed; `predict` averages the members'
 * softmax probabilities. The members of `ensemble` and `kfold`.
 *
 * @since 0.1.0
 */
export function homoscedasticEnsemble(context: MethodContext): DeepEnsemble {
  return DeepEnsemble.create(
    (member) => {
      const input = tfl.input({ shape: [...context.inputShape] });
      const features = applyBody(input, context.body, member.seed);
      const logits = tfl.layers
        .dense({
          units: context.numClasses,
          kernelInitializer: headInitializer(member.seed, 'dense'),
        })
        .apply(features) as tfl.SymbolicTensor;
      return tfl.model({ inputs: input, outputs: logits });
    },
    { size: context.ensembleSize, seed: context.seed, output: 'logits' },
  );
}

/**
 * A deep ensemble (Lakshminarayanan et al., 2017) of `ensembleSize` homoscedastic networks,
 * each initialized from its own member seed and trained on its own shuffles; the predictive is
 * the mean of the members' softmax probabilities (`DeepEnsemble.predict`). The members step
 * through the epochs together and stop on the ensemble's validation NLL.
 *
 * @since 0.1.0
 */
export const ensemble: Method = {
  name: 'ensemble',
  create(context: MethodContext): MethodModel {
    const deep = homoscedasticEnsemble(context);
    return {
      models: deep.members,
      loss: (labels, logits) => softmaxNll(labels, logits),
      predict: (x) => deep.predict(x),
      dispose: () => deep.dispose(),
    };
  },
};
