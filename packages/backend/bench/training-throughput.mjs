// Training throughput of the paper's MLP and CNN on `cpu`, stock `wasm` and `wasm` with
// enableFastWasmTraining, in one run, plus the wasm backend's own fp32 matmul GFLOP/s.
//
//   (cd packages/backend && npx tsc -p tsconfig.build.json)
//   node packages/backend/bench/training-throughput.mjs [--json FILE]
//
// "Stock" is TensorFlow.js as shipped: the stock wasm kernels and `tf.train.adam`; "fast" is
// this package: the kernels of enableFastWasmTraining and `fusedAdam`. Stock and fast wasm are
// compared step by step, alternating (the stock kernels are captured before
// enableFastWasmTraining and swapped back in through tfjs's kernel registry; each arm trains
// its own copy of the model with its own optimizer), so a change in machine load hits both
// alike. The cpu runs (with `tf.train.adam`) are short where cpu is slow: the CNN runs one
// step of a small batch (its per-example cost does not depend on the batch size).
// Throughput is per wall second, the measure of record; per CPU second of this process is
// shown in brackets (steadier on a shared machine, but it also counts V8's parallel garbage
// collector, which the allocation-heavy cpu backend keeps busy). Nothing is asserted: the
// issue's floors are printed next to the measured ratios. `--json FILE` also writes every
// figure to FILE.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { enableFastWasmTraining } from '@uqjs/backend';
import { cnn, mlp, randomBatch, timed, trainThroughput } from './models.mjs';

const { values: flags } = parseArgs({ options: { json: { type: 'string' } } });

/** TensorFlow.js's own Adam, the stock arms' optimizer. */
const stockAdam = () => tf.train.adam(1e-3);

const MNIST = [784];
const CIFAR = [32, 32, 3];

// The wasm kernels as installed (captured before enableFastWasmTraining) and as registered.
await tf.setBackend('wasm');
const stockKernels = new Map(tf.getKernelsForBackend('wasm').map((c) => [c.kernelName, c]));
const { kernels } = enableFastWasmTraining();
const fastKernels = new Map(kernels.map((name) => [name, tf.getKernel(name, 'wasm')]));

/** Registers the stock (`'stock'`) or the fast (`'fast'`) wasm kernels. */
function use(which) {
  for (const name of kernels) {
    if (tf.getKernel(name, 'wasm') !== undefined) tf.unregisterKernel(name, 'wasm');
    const config = (which === 'stock' ? stockKernels : fastKernels).get(name);
    if (config !== undefined) tf.registerKernel(config);
  }
}

/**
 * GFLOP/s of `tf.matMul` on `[m, k] x [k, n]` (2mkn flops): the median over `reps` products,
 * each timed alone (wall clock) on fresh operands (new tensors, as in training: XNNPACK packs
 * the right operand once per tensor, so reusing one would flatter it).
 */
function matMulGflops([m, k, n], transposeA, transposeB, reps) {
  const baseA = tf.randomNormal(transposeA ? [k, m] : [m, k], 0, 1, 'float32', 1);
  const baseB = tf.randomNormal(transposeB ? [n, k] : [k, n], 0, 1, 'float32', 2);
  const seconds = [];
  for (let rep = 0; rep <= reps; rep++) {
    const [a, b] = [tf.mul(baseA, 1), tf.mul(baseB, 1)]; // new tensors, no JS garbage
    const start = performance.now();
    const product = tf.matMul(a, b, transposeA, transposeB);
    product.dataSync(); // (not returned from a tf.tidy, which would walk every element)
    if (rep > 0) seconds.push((performance.now() - start) / 1000); // rep 0 warms up
    tf.dispose([a, b, product]);
  }
  tf.dispose([baseA, baseB]);
  seconds.sort((x, y) => x - y);
  return (2 * m * k * n) / seconds[Math.floor(seconds.length / 2)] / 1e9;
}

/**
 * Alternates stock and fast wasm training steps (a model each, built by `build({ optimizer })`
 * with `tf.train.adam` and with the default `fusedAdam`); returns both throughputs.
 */
async function stockVersusFast(build, { batch, inputShape, rounds, fastSteps }) {
  const models = { stock: build({ optimizer: stockAdam() }), fast: build() };
  const { x, y } = randomBatch(batch, inputShape, 1);
  const totals = { stock: { wall: 0, cpu: 0, steps: 0 }, fast: { wall: 0, cpu: 0, steps: 0 } };
  try {
    for (let round = 0; round <= rounds; round++) {
      for (const [which, steps] of [
        ['stock', 1],
        ['fast', fastSteps],
      ]) {
        use(which);
        const time = await timed(async () => {
          for (let i = 0; i < steps; i++) await models[which].trainOnBatch(x, y);
        });
        if (round === 0) continue; // warm-up round
        totals[which].wall += time.wallSeconds;
        totals[which].cpu += time.cpuSeconds;
        totals[which].steps += steps;
      }
    }
  } finally {
    tf.dispose([x, y]);
    for (const model of Object.values(models)) {
      model.optimizer.dispose();
      model.dispose();
    }
  }
  const rate = ({ wall, cpu, steps }) => ({
    perWallSecond: (steps * batch) / wall,
    perCpuSecond: (steps * batch) / cpu,
    wallSeconds: wall,
    cpuSeconds: cpu,
    steps,
    batch,
  });
  return { stock: rate(totals.stock), fast: rate(totals.fast) };
}

async function measure(backend, build, options) {
  await tf.setBackend(backend);
  await tf.ready();
  const model = build();
  try {
    return await trainThroughput(model, options);
  } catch (error) {
    return { error: String(error.message).split('\n')[0] };
  } finally {
    model.optimizer.dispose();
    model.dispose();
  }
}

function show(label, r) {
  if (r.error !== undefined) {
    console.log(`  ${label.padEnd(22)} cannot train: ${r.error}`);
    return;
  }
  console.log(
    `  ${label.padEnd(22)} ${r.perWallSecond.toFixed(2).padStart(9)} ex/s [${r.perCpuSecond.toFixed(2)} ex/CPU-s]  ` +
      `(${r.steps} step(s) of batch ${r.batch}: ${r.wallSeconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU)`,
  );
}

console.log(`tfjs ${tf.version_core}, node ${process.version}; Node runs tfjs-wasm on one thread.`);

console.log('\nwasm fp32 matmul [128,1024] x [1024,1024] (the MLP hidden layer), GFLOP/s');
use('stock');
const MM = [128, 1024, 1024];
const plain = matMulGflops(MM, false, false, 7);
const stockTA = matMulGflops(MM, true, false, 3);
const stockTB = matMulGflops(MM, false, true, 3);
use('fast');
const fastTA = matMulGflops(MM, true, false, 7);
const fastTB = matMulGflops(MM, false, true, 7);
console.log(`  A·B                 ${plain.toFixed(1).padStart(6)}  (stock XNNPACK product)`);
console.log(
  `  Aᵀ·B  stock ${stockTA.toFixed(1).padStart(6)}  with the kernels ${fastTA.toFixed(1).padStart(6)}`,
);
console.log(
  `  A·Bᵀ  stock ${stockTB.toFixed(1).padStart(6)}  with the kernels ${fastTB.toFixed(1).padStart(6)}`,
);

console.log('\nMLP 784-1024-1024-1024-10, batch 128, Adam');
const mlpWasm = await stockVersusFast(mlp, {
  batch: 128,
  inputShape: MNIST,
  rounds: 6,
  fastSteps: 5,
});
show('stock wasm', mlpWasm.stock);
show('wasm + kernels', mlpWasm.fast);
const mlpCpu = await measure('cpu', () => mlp({ optimizer: stockAdam() }), {
  batch: 128,
  inputShape: MNIST,
  steps: 2,
});
show('cpu', mlpCpu);

console.log('\nCNN conv32-pool-conv64-pool-conv64-pool-256-128-10 (pool 2x2 stride 1), Adam');
use('stock');
const cnnStock = await measure('wasm', () => cnn({ optimizer: stockAdam() }), {
  batch: 8,
  inputShape: CIFAR,
  steps: 1,
  warmup: 0,
});
show('stock wasm', cnnStock);
use('fast');
const cnnFast = await measure('wasm', cnn, { batch: 128, inputShape: CIFAR, steps: 3 });
show('wasm + kernels', cnnFast);
const cnnCpu = await measure('cpu', () => cnn({ optimizer: stockAdam() }), {
  batch: 2,
  inputShape: CIFAR,
  steps: 1,
  warmupBatch: 1,
});
show('cpu', cnnCpu);

const ratio = (a, b, key) =>
  a.error !== undefined || b.error !== undefined ? 'n/a' : `${(a[key] / b[key]).toFixed(1)}x`;
const row = (label, a, b, floor) =>
  console.log(
    `  ${label.padEnd(30)} ${ratio(a, b, 'perWallSecond').padStart(7)} [${ratio(a, b, 'perCpuSecond')}]  floor ${floor}`,
  );
console.log('\nratios per wall second [per CPU second]');
row('MLP wasm+kernels / cpu', mlpWasm.fast, mlpCpu, '15x');
row('MLP wasm+kernels / stock wasm', mlpWasm.fast, mlpWasm.stock, '8x');
row('CNN wasm+kernels / cpu', cnnFast, cnnCpu, '150x');
console.log(
  `  CNN stock wasm                 ${cnnStock.error === undefined ? 'trains' : 'cannot train'}`,
);

if (flags.json !== undefined) {
  const record = {
    command: 'node packages/backend/bench/training-throughput.mjs',
    tfjs: tf.version_core,
    node: process.version,
    matmulGflops: { plain, stockTA, stockTB, fastTA, fastTB, shape: MM },
    mlp: { stockWasm: mlpWasm.stock, fastWasm: mlpWasm.fast, cpu: mlpCpu },
    cnn: { stockWasm: cnnStock, fastWasm: cnnFast, cpu: cnnCpu },
    floors: { mlpOverCpu: 15, mlpOverStockWasm: 8, cnnOverCpu: 150 },
  };
  writeFileSync(flags.json, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`\nwrote ${flags.json}`);
}
