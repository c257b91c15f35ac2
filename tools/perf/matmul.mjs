// fp32 matrix product throughput of one tfjs backend, the reference for "what fraction of
// the backend's own peak does training reach" in the perf suite.
//
//   node tools/perf/matmul.mjs [--backend wasm] [--reps 5] [--square 1024] [--json FILE]
//
// Products: a square `n^3` one (the backend's best case), and the three products of one
// hidden layer of the paper's MNIST MLP in a training step at batch 128 (X [128,1024],
// W [1024,1024]): forward X·W, weight gradient Xᵀ·dY, input gradient dY·Wᵀ. Each product is
// timed alone on fresh operands (new tensors, as in training, where the weights change every
// step: XNNPACK packs a right-hand operand once per tensor, so reusing one would flatter it),
// after one warm-up; medians of wall and process CPU time.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { median, timed, useBackend, writeJson } from './bench-kit.mjs';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    reps: { type: 'string', default: '5' },
    square: { type: 'string', default: '1024' },
    json: { type: 'string' },
  },
});
const reps = Number(flags.reps);
const n = Number(flags.square);

const backend = await useBackend(flags.backend);
const wasmFlags =
  backend.name === 'wasm'
    ? {
        simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
        threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      }
    : {};

/** `[m, k] x [k, n]` (operands stored transposed where asked), timed as described above. */
async function product(name, [m, k, cols], transposeA, transposeB) {
  const baseA = tf.randomNormal(transposeA ? [k, m] : [m, k], 0, 1, 'float32', 1);
  const baseB = tf.randomNormal(transposeB ? [cols, k] : [k, cols], 0, 1, 'float32', 2);
  const times = [];
  for (let rep = 0; rep <= reps; rep++) {
    const [a, b] = [tf.mul(baseA, 1), tf.mul(baseB, 1)]; // fresh tensors, made before the clock
    const time = await timed(() => {
      const c = tf.matMul(a, b, transposeA, transposeB);
      c.dataSync();
      c.dispose();
    });
    if (rep > 0) times.push(time); // rep 0 warms up
    tf.dispose([a, b]);
  }
  tf.dispose([baseA, baseB]);
  const flops = 2 * m * k * cols;
  const wallMs = median(times.map((t) => t.wallMs));
  const cpuMs = median(times.map((t) => t.cpuMs));
  return {
    name,
    m,
    k,
    n: cols,
    transposeA,
    transposeB,
    flops,
    wallMs,
    cpuMs,
    gflops: flops / wallMs / 1e6,
    gflopsCpu: flops / cpuMs / 1e6,
  };
}

const products = [
  await product(`square ${n}³ A·B`, [n, n, n], false, false),
  await product('MLP layer forward X·W [128,1024]x[1024,1024]', [128, 1024, 1024], false, false),
  await product('MLP layer weight grad Xᵀ·dY', [1024, 128, 1024], true, false),
  await product('MLP layer input grad dY·Wᵀ', [128, 1024, 1024], false, true),
];
const layer = products.slice(1);
/** The three layer products together: their flops over their summed times. */
const layerMix = {
  gflops: layer.reduce((s, p) => s + p.flops, 0) / layer.reduce((s, p) => s + p.wallMs, 0) / 1e6,
  gflopsCpu: layer.reduce((s, p) => s + p.flops, 0) / layer.reduce((s, p) => s + p.cpuMs, 0) / 1e6,
};
const peak = {
  gflops: Math.max(...products.map((p) => p.gflops)),
  gflopsCpu: Math.max(...products.map((p) => p.gflopsCpu)),
};

console.log(
  `backend ${backend.name} (${backend.provider}${backend.fastWasmTraining ? ', fast wasm training kernels' : ''})` +
    (backend.name === 'wasm' ? `; SIMD ${wasmFlags.simd}, threads ${wasmFlags.threads}` : ''),
);
for (const p of products) {
  console.log(
    `  ${p.name}: ${p.gflops.toFixed(2)} GFLOP/s [${p.gflopsCpu.toFixed(2)} per CPU-s] (${p.wallMs.toFixed(1)} ms, median of ${reps})`,
  );
}
console.log(
  `  MLP layer products together: ${layerMix.gflops.toFixed(2)} GFLOP/s [${layerMix.gflopsCpu.toFixed(2)}]; peak ${peak.gflops.toFixed(2)} [${peak.gflopsCpu.toFixed(2)}]`,
);
writeJson(flags.json, {
  backend: backend.name,
  provider: backend.provider,
  fastWasmTraining: backend.fastWasmTraining,
  ...wasmFlags,
  reps,
  products,
  layerMix,
  peak,
});
