// Cost of the binary heads on the default CPU backend (wasm), forward + backward, B = 128.
//
//   node packages/mc-sigmoid/bench/head-cost.mjs [--reps 10] [--outputs 1]
//
// Needs the built packages (core, noise, mc-softmax, mc-sigmoid, backend). Reports the median
// process CPU time (tfjs-wasm runs on this one thread, so CPU time is the work itself) and
// wall time of mcSigmoid at S = 100 and 1000 and of exactSigmoid.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradients
import { exactSigmoid, mcSigmoid } from '@uqjs/mc-sigmoid';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const reps = Number(option('reps', '10'));
const outputs = Number(option('outputs', '1'));
await tf.setBackend('wasm');
await tf.ready();
try {
  const { enableFastWasmTraining } = await import('@uqjs/backend');
  enableFastWasmTraining();
} catch {
  console.log('fast wasm training kernels not available');
}

const B = 128;
const loc = tf.randomNormal([B, outputs], 0, 1, 'float32', 1);
const scale = tf.randomUniform([B, outputs], 0.1, 2, 'float32', 2);
const grads = (f) => () => tf.grads((l, s) => tf.sum(f(l, s).logProbs))([loc, scale]);
const arms = [
  {
    name: 'mcSigmoid S=100',
    run: grads((l, s) => mcSigmoid(l, s, { numSamples: 100, checkValues: false })),
  },
  {
    name: 'mcSigmoid S=1000',
    run: grads((l, s) => mcSigmoid(l, s, { numSamples: 1000, checkValues: false })),
  },
  { name: 'exactSigmoid', run: grads((l, s) => exactSigmoid(l, s)) },
].map((arm) => ({ ...arm, cpu: [], wall: [] }));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (let r = -2; r < reps; r++) {
  for (const arm of arms) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const g = arm.run();
    for (const t of g) t.dataSync();
    tf.dispose(g);
    const cpu = process.cpuUsage(cpu0);
    if (r >= 0) {
      arm.wall.push(performance.now() - t0);
      arm.cpu.push((cpu.user + cpu.system) / 1000);
    }
  }
}
for (const arm of arms) {
  console.log(
    `forward+backward B=${B} O=${outputs}, ${arm.name}: CPU ${median(arm.cpu).toFixed(2)} ms, wall ${median(arm.wall).toFixed(2)} ms (medians of ${reps})`,
  );
}
