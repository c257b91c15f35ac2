import { InvalidArgumentError } from '@uqjs/core';
import type { Settings } from '../settings.js';
import { bbbClassifier } from './bbb.js';
import { deterministicClassifier, deterministicRegressor } from './deterministic.js';
import { ensembleClassifier, ensembleRegressor } from './ensemble.js';
import { hetSngpClassifier } from './het-sngp.js';
import { heteroscedasticClassifier, heteroscedasticRegressor } from './heteroscedastic.js';
import { kFoldClassifier, kFoldRegressor } from './kfold.js';
import { learnedConfidenceClassifier } from './learned-confidence.js';
import { mcDropoutClassifier, mcDropoutRegressor } from './mc-dropout.js';
import { mimoClassifier, mimoRegressor } from './mimo.js';
import { rank1Classifier } from './rank1.js';
import { sngpClassifier } from './sngp.js';
import type { Classifier, Regressor } from './types.js';

/** The classifier of `settings.method` for `D`-dimensional points and `K` classes. */
export function makeClassifier(
  settings: Settings,
  inputDim: number,
  numClasses: number,
): Classifier {
  const base = {
    inputDim,
    numClasses,
    hidden: settings.hidden,
    epochs: settings.epochs,
    learningRate: settings.learningRate,
    seed: settings.seed,
    mcSamples: settings.mcSamples,
  };
  switch (settings.method) {
    case 'deterministic':
      return deterministicClassifier(base);
    case 'heteroscedastic':
      return heteroscedasticClassifier({
        ...base,
        noise: settings.noise,
        temperature: settings.temperature,
      });
    case 'sngp':
      return sngpClassifier(base);
    case 'mc-dropout':
      return mcDropoutClassifier({ ...base, dropoutRate: settings.dropoutRate });
    case 'ensemble':
      return ensembleClassifier({ ...base, size: settings.ensembleSize });
    case 'het-sngp':
      return hetSngpClassifier({
        ...base,
        noise: settings.noise,
        temperature: settings.temperature,
      });
    case 'bbb':
      return bbbClassifier(base);
    case 'learned-confidence':
      return learnedConfidenceClassifier(base);
    case 'mimo':
      return mimoClassifier({ ...base, size: settings.ensembleSize });
    case 'kfold':
      return kFoldClassifier({ ...base, size: settings.ensembleSize });
    case 'rank1':
      return rank1Classifier({ ...base, size: settings.ensembleSize });
  }
}

/** The classification-only methods (`checkSettings` rejects them for the regression view). */
const NO_REGRESSOR = ['sngp', 'het-sngp', 'bbb', 'learned-confidence', 'rank1'] as const;

/** The regressor of `settings.method` (the classification-only ones throw). */
export function makeRegressor(settings: Settings): Regressor {
  const base = {
    inputDim: 1,
    hidden: settings.hidden,
    epochs: settings.epochs,
    learningRate: settings.learningRate,
    seed: settings.seed,
    mcSamples: settings.mcSamples,
    likelihood: settings.likelihood,
  };
  switch (settings.method) {
    case 'deterministic':
      return deterministicRegressor(base);
    case 'heteroscedastic':
      return heteroscedasticRegressor(base);
    case 'mc-dropout':
      return mcDropoutRegressor({ ...base, dropoutRate: settings.dropoutRate });
    case 'ensemble':
      return ensembleRegressor({ ...base, size: settings.ensembleSize });
    case 'mimo':
      return mimoRegressor({ ...base, size: settings.ensembleSize });
    case 'kfold':
      return kFoldRegressor({ ...base, size: settings.ensembleSize });
    case 'sngp':
    case 'het-sngp':
    case 'bbb':
    case 'learned-confidence':
    case 'rank1':
      throw new InvalidArgumentError({
        fn: 'makeRegressor',
        argument: 'settings.method',
        expected: `a method with a regression model (not ${NO_REGRESSOR.join(', ')})`,
        given: settings.method,
      });
  }
}

export type {
  Classifier,
  ClassPrediction,
  FitOutcome,
  RegressionPrediction,
  Regressor,
  TrainHooks,
} from './types.js';
