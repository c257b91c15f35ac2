import { UqjsError } from '@uqjs/core';
import type { MethodName } from '../config.js';
import { methodTraits } from '../method-traits.js';
import type { Method } from './method.js';

/**
 * Each method's module, imported on first use so that a baseline package that is not
 * installed only matters when that method is asked for.
 */
const LOADERS: Record<MethodName, () => Promise<Method>> = {
  homoscedastic: async () => (await import('./tempered-softmax.js')).homoscedastic,
  'tempered-softmax': async () => (await import('./tempered-softmax.js')).temperedSoftmax,
  heteroscedastic: async () => (await import('./heteroscedastic.js')).heteroscedastic,
  sngp: async () => (await import('./sngp.js')).sngp,
  'mc-dropout': async () => (await import('./mc-dropout.js')).mcDropout,
  ensemble: async () => (await import('./ensemble.js')).ensemble,
  'het-sngp': async () => (await import('./het-sngp.js')).hetSngp,
  bbb: async () => (await import('./bbb.js')).bbb,
  'learned-confidence': async () => (await import('./learned-confidence.js')).learnedConfidence,
  tta: async () => (await import('./tta.js')).tta,
  kfold: async () => (await import('./kfold.js')).kfold,
  mimo: async () => (await import('./mimo.js')).mimo,
  rank1: async () => (await import('./rank1.js')).rank1,
};

/**
 * The method called `name`.
 *
 * @throws {UqjsError} when the package the method comes from cannot be loaded; the message says
 *   which package to install.
 *
 * @since 0.1.0
 */
export async function loadMethod(name: MethodName): Promise<Method> {
  try {
    return await LOADERS[name]();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UqjsError(
      `uqjs-bench: method '${name}' needs ${methodTraits(name).package}, which could not be loaded (${reason}); install it with \`npm install ${methodTraits(name).package}\``,
    );
  }
}
