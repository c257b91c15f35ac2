// Cost of the Monte Carlo softmax head on the default CPU backend (wasm), measured in one run.
//
//   node packages/mc-softmax/bench/head-cost.mjs [--reps 10] [--backend wasm|cpu]
//
// Needs the built packages (`npx tsc -p tsconfig.build.json` in packages/noise, packages/core,
// packages/backend and packages/mc-softmax). Prints:
//  1. the head alone: forward + backward of mcSoftmax and of mcSoftmaxFactor (6 factors) at
//     B = 128, K = 10, S = 100 and 1000;
//  2. a whole training step (trainOnBatch, Adam) of the paper's MNIST MLP (784-1024-1024-1024,
//     leaky ReLU) with a plain softmax head and with MCSoftmaxDense at S = 100 and 1000, the
//     three interleaved step by step so machine load hits them alike, and the ratios;
//  3. peak tensor memory of forward + backward for S = 20,000 in chunks of 1,000 against
//     S = 1,000 in one chunk (bytes above the baseline, from tf.profile).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { logProbNll, MCSoftmaxDense, mcSoftmax, mcSoftmaxFactor } from '@uqjs/mc-softmax';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const reps = Number(option('reps', '10'));
const backend = option('backend', 'wasm');

await tf.setBackend(backend);
await tf.ready();
let fastKernels = 'not available (packages/backend/dist has no enableFastWasmTraining)';
if (backend === 'wasm') {
  try {
    const { enableFastWasmTraining } = await import('@uqjs/backend');
    if (typeof enableFastWasmTraining === 'function') {
      const enabled = enableFastWasmTraining();
      fastKernels = `on (${enabled.kernels.join(', ')})`;
    }
  } catch (error) {
    fastKernels = `not loaded: ${error.message.split('\n')[0]}`;
  }
}
console.log(`backend ${tf.getBackend()}; fast wasm training kernels: ${fastKernels}`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
/**
 * Runs `f` and returns [wall ms, CPU ms]. tfjs-wasm runs on this one thread, so the process's
 * CPU time is the cost of the work itself, unaffected by other processes competing for the
 * cores (on a shared machine wall time can be several times larger).
 */
const measure = async (f) => {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const cpu = process.cpuUsage(cpu0);
  return [performance.now() - t0, (cpu.user + cpu.system) / 1000];
};
const B = 128;
const K = 10;

// 1. The head alone.
{
  const loc = tf.randomNormal([B, K], 0, 1, 'float32', 1);
  const scale = tf.randomUniform([B, K], 0.1, 2, 'float32', 2);
  const weights = tf.randomNormal([B, K], 0, 1, 'float32', 3);
  const loadings = tf.randomNormal([B, K, 6], 0, 0.3, 'float32', 8);
  const diagonal = (S) => ({
    name: `mcSoftmax S=${S}`,
    run: () =>
      tf.grads((l, s) =>
        tf.sum(
          tf.mul(mcSoftmax(l, s, { numSamples: S, seed: 4, checkValues: false }).logProbs, weights),
        ),
      )([loc, scale]),
    wall: [],
    cpu: [],
  });
  const factor = (S) => ({
    name: `mcSoftmaxFactor R=6 S=${S}`,
    run: () =>
      tf.grads((l, v, s) =>
        tf.sum(
          tf.mul(
            mcSoftmaxFactor(l, v, s, { numSamples: S, seed: 4, checkValues: false }).logProbs,
            weights,
          ),
        ),
      )([loc, loadings, scale]),
    wall: [],
    cpu: [],
  });
  const arms = [diagonal(100), diagonal(1000), factor(100), factor(1000)];
  for (let r = -2; r < reps; r++) {
    for (const arm of arms) {
      const [wall, cpu] = await measure(() => {
        const g = arm.run();
        for (const t of g) t.dataSync();
        tf.dispose(g);
      });
      if (r >= 0) {
        arm.wall.push(wall);
        arm.cpu.push(cpu);
      }
    }
  }
  for (const arm of arms) {
    console.log(
      `head forward+backward B=${B} K=${K}, ${arm.name}: CPU ${median(arm.cpu).toFixed(1)} ms, wall ${median(arm.wall).toFixed(1)} ms (medians of ${reps})`,
    );
  }
  tf.dispose([loc, scale, weights, loadings]);
}

// 2. Whole training steps of the MNIST MLP.
{
  const body = (seed) => {
    const layers = [];
    for (const [i, units] of [1024, 1024, 1024].entries()) {
      layers.push(
        tfl.layers.dense({
          units,
          ...(i === 0 ? { inputShape: [784] } : {}),
          kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + i }),
        }),
        tfl.layers.leakyReLU(),
      );
    }
    return layers;
  };
  const homoscedastic = tfl.sequential({
    layers: [
      ...body(10),
      tfl.layers.dense({
        units: K,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 20 }),
      }),
    ],
  });
  homoscedastic.compile({
    optimizer: tf.train.adam(),
    loss: (y, logits) => tf.losses.softmaxCrossEntropy(y, logits),
  });
  const hetero = (S) => {
    const model = tfl.sequential({
      layers: [
        ...body(10),
        new MCSoftmaxDense({ numClasses: K, trainSamples: S, testSamples: S, seed: 30 }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(), loss: logProbNll });
    return model;
  };
  const arms = [
    { name: 'homoscedastic (Dense + softmax)', model: homoscedastic, wall: [], cpu: [] },
    { name: 'MCSoftmaxDense S=100', model: hetero(100), wall: [], cpu: [] },
    { name: 'MCSoftmaxDense S=1000', model: hetero(1000), wall: [], cpu: [] },
  ];
  const x = tf.randomNormal([B, 784], 0, 1, 'float32', 5);
  const y = tf.oneHot(tf.cast(tf.randomUniform([B], 0, K, 'float32', 6), 'int32'), K);
  for (let r = -2; r < reps; r++) {
    for (const arm of arms) {
      const [wall, cpu] = await measure(() => arm.model.trainOnBatch(x, y));
      if (r >= 0) {
        arm.wall.push(wall);
        arm.cpu.push(cpu);
      }
    }
  }
  const [baseWall, baseCpu] = [median(arms[0].wall), median(arms[0].cpu)];
  for (const arm of arms) {
    const [wall, cpu] = [median(arm.wall), median(arm.cpu)];
    console.log(
      `training step B=${B}, ${arm.name}: CPU ${cpu.toFixed(1)} ms (ratio ${(cpu / baseCpu).toFixed(2)}), wall ${wall.toFixed(1)} ms (ratio ${(wall / baseWall).toFixed(2)})`,
    );
  }
  tf.dispose([x, y]);
}

// 3. Peak memory of forward + backward, bytes above the baseline.
{
  const loc = tf.randomNormal([B, K], 0, 1, 'float32', 1);
  const scale = tf.randomUniform([B, K], 0.1, 2, 'float32', 2);
  const peak = async (numSamples) => {
    const start = tf.memory().numBytes;
    const info = await tf.profile(() => {
      const g = tf.grads((l, s) =>
        tf.sum(
          mcSoftmax(l, s, { numSamples, maxSamplesInMemory: 1000, seed: 7, checkValues: false })
            .logProbs,
        ),
      )([loc, scale]);
      tf.dispose(g);
    });
    return info.peakBytes - start;
  };
  const small = await peak(1000);
  const large = await peak(20_000);
  const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `peak memory forward+backward B=${B} K=${K}: S=1,000 ${mb(small)}; S=20,000 (chunks of 1,000) ${mb(large)}; ratio ${(large / small).toFixed(2)}`,
  );
  tf.dispose([loc, scale]);
}
