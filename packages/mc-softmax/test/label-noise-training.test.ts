import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, sequential } from '@tensorflow/tfjs-layers';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { logProbNll, MCSoftmaxDense } from '../src/index.js';
import { read } from './helpers.js';

/**
 * A two-class task with input-dependent label noise: x uniform on [-2, 2]^2, the clean class
 * is [x1 > 0], and the label is flipped with probability rho(x) = 0.45 sigmoid(5 (|x2| - 1)):
 * nearly clean for |x2| < 1, nearly a coin flip for |x2| > 1.5. The Bayes predictive is
 * confident where |x2| is small whatever x1 is: confidence and class depend on different
 * inputs. A heteroscedastic head writes that as loc(x1) / scale(x2); a softmax head must fit
 * the product into its logits, which a small body does poorly.
 */
function noisyTask(n: number, seed: number): { x: tf.Tensor; y: tf.Tensor; bayesNll: number } {
  const rng = new Rng(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  let bayesNll = 0;
  for (let i = 0; i < n; i++) {
    const x1 = rng.uniform() * 4 - 2;
    const x2 = rng.uniform() * 4 - 2;
    const clean = x1 > 0 ? 1 : 0;
    const rho = 0.45 / (1 + Math.exp(-5 * (Math.abs(x2) - 1)));
    const flipped = rng.uniform() < rho;
    xs.push(x1, x2);
    ys.push(flipped ? 1 - clean : clean);
    bayesNll -= Math.log(flipped ? rho : 1 - rho);
  }
  return {
    x: tf.tensor2d(xs, [n, 2]),
    y: tf.oneHot(tf.tensor1d(ys, 'int32'), 2),
    bayesNll: bayesNll / n,
  };
}

/** Test NLL of a 2-4-head MLP trained with Adam (lr 0.01, 30 epochs, batch 64) on 1,000 points. */
async function testNll(head: 'heteroscedastic' | 'softmax', seed: number): Promise<number> {
  const body = layers.dense({
    inputShape: [2],
    units: 4,
    activation: 'relu',
    kernelInitializer: initializers.glorotUniform({ seed }),
  });
  const output =
    head === 'heteroscedastic'
      ? new MCSoftmaxDense({ numClasses: 2, trainSamples: 20, testSamples: 200, seed })
      : layers.dense({
          units: 2,
          kernelInitializer: initializers.glorotUniform({ seed: seed + 1 }),
        });
  const model = sequential({ layers: [body, output] });
  // Both arms minimise the same NLL; the softmax arm's output is logits.
  const asLogProbs = (out: tf.Tensor) => (head === 'softmax' ? tf.logSoftmax(out) : out);
  model.compile({
    optimizer: tf.train.adam(0.01),
    loss: (y, out) => logProbNll(y, asLogProbs(out)),
  });
  const train = noisyTask(1000, 100 + seed);
  await model.fit(train.x, train.y, { epochs: 30, batchSize: 64, shuffle: false, verbose: 0 });
  const test = noisyTask(3000, 999);
  const [nll] = await read(
    tf.tidy(() => tf.mean(logProbNll(test.y, asLogProbs(model.predict(test.x) as tf.Tensor)))),
  );
  tf.dispose([train.x, train.y, test.x, test.y]);
  model.dispose();
  return nll!;
}

describe('MCSoftmaxDense under input-dependent label noise', () => {
  it('reaches a lower test NLL than the same MLP with a plain softmax head', async () => {
    const bayes = noisyTask(3000, 999).bayesNll; // 0.422 on this test set
    const gains: number[] = [];
    for (const seed of [1, 2]) {
      const heteroscedastic = await testNll('heteroscedastic', seed);
      const softmax = await testNll('softmax', seed);
      // Neither can beat the Bayes predictive by more than the test set's sampling noise
      // (SD of a mean of 3,000 per-example NLLs ~ 0.01).
      expect(heteroscedastic).toBeGreaterThan(bayes - 0.03);
      expect(softmax).toBeGreaterThan(bayes - 0.03);
      gains.push(softmax - heteroscedastic);
    }
    // Seeds 1 and 2 give test NLLs 0.489 vs 0.518 and 0.508 vs 0.541 (gains 0.029 and 0.034
    // nats, the same on wasm, cpu and webgpu to 1e-6); in development runs of this task over
    // seeds 1-7 the gain ranged from 0.009 to 0.037. Require both positive and a mean gain of
    // at least 0.01.
    expect(Math.min(...gains)).toBeGreaterThan(0);
    expect((gains[0]! + gains[1]!) / 2).toBeGreaterThan(0.01);
  });
});
