// The paper's two training workloads, as tfjs-layers models (shared by the bench scripts).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fusedAdam } from '@uqjs/backend';

const loss = (labels, logits) => tf.losses.softmaxCrossEntropy(labels, logits);

/**
 * The benches' optimizer: Adam, lr 1e-3, through `fusedAdam` (one fused kernel per weight
 * where the backend registers it, as `enableFastWasmTraining` does for wasm; tfjs ops elsewhere).
 */
export const adam = () => fusedAdam(1e-3);

/**
 * MNIST MLP: 784 -> `hidden` x `depth` (leaky ReLU) -> 10 logits, trained by `optimizer`
 * (default {@link adam}). The paper's is `hidden = 1024`, `depth = 3`.
 */
export function mlp({ hidden = 1024, depth = 3, optimizer = adam() } = {}) {
  const model = tfl.sequential();
  for (let i = 0; i < depth; i++) {
    model.add(tfl.layers.dense({ units: hidden, ...(i === 0 ? { inputShape: [784] } : {}) }));
    model.add(tfl.layers.leakyReLU());
  }
  model.add(tfl.layers.dense({ units: 10 }));
  model.compile({ optimizer, loss });
  return model;
}

/**
 * CIFAR CNN: three 3x3 convolutions (32, 64, 64 filters, 'valid'), each followed by leaky ReLU
 * and 2x2 max-pooling with stride 1; dense 256, 128 (leaky ReLU), 10 logits; `optimizer`
 * (default {@link adam}). Input [B, 32, 32, 3].
 */
export function cnn({ optimizer = adam() } = {}) {
  const model = tfl.sequential();
  for (const [i, filters] of [32, 64, 64].entries()) {
    model.add(
      tfl.layers.conv2d({
        filters,
        kernelSize: 3,
        ...(i === 0 ? { inputShape: [32, 32, 3] } : {}),
      }),
    );
    model.add(tfl.layers.leakyReLU());
    model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 1 }));
  }
  model.add(tfl.layers.flatten());
  for (const units of [256, 128]) {
    model.add(tfl.layers.dense({ units }));
    model.add(tfl.layers.leakyReLU());
  }
  model.add(tfl.layers.dense({ units: 10 }));
  model.compile({ optimizer, loss });
  return model;
}

/** A fixed random batch: inputs `[batch, ...inputShape]`, one-hot labels `[batch, 10]`. */
export function randomBatch(batch, inputShape, seed) {
  return tf.tidy(() => ({
    x: tf.randomNormal([batch, ...inputShape], 0, 1, 'float32', seed),
    y: tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', seed + 1), 10),
  }));
}

/**
 * Times `run()` by the wall clock and by this process's CPU time (user + system). On a shared
 * machine the CPU time is the steadier measure: tfjs (cpu, and wasm in Node) computes on one
 * thread, so the CPU seconds are the compute, whatever share of the cores the process got.
 */
export async function timed(run) {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await run();
  const cpu = process.cpuUsage(cpuStart);
  return {
    wallSeconds: (performance.now() - start) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/**
 * Trains `model` on one fixed batch: `warmup` untimed steps (of `warmupBatch` examples,
 * default `batch`), then `steps` timed ones. Returns examples per wall second and per CPU
 * second of the timed steps.
 */
export async function trainThroughput(
  model,
  { batch, inputShape, steps, warmup = 1, warmupBatch = batch, seed = 1 },
) {
  const { x, y } = randomBatch(batch, inputShape, seed);
  const small = warmupBatch === batch ? { x, y } : randomBatch(warmupBatch, inputShape, seed);
  try {
    for (let i = 0; i < warmup; i++) await model.trainOnBatch(small.x, small.y);
    const time = await timed(async () => {
      for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y); // awaits the loss
    });
    const examples = steps * batch;
    return {
      perWallSecond: examples / time.wallSeconds,
      perCpuSecond: examples / time.cpuSeconds,
      ...time,
      steps,
      batch,
    };
  } finally {
    tf.dispose([x, y, small.x, small.y]);
  }
}
