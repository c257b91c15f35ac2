// Cost of the binary heads, forward + backward, B = 128, on one backend (wasm by default, with
// @uqjs/backend's fast training kernels).
//
//   node packages/mc-sigmoid/bench/head-cost.mjs [--reps 10] [--outputs 1] [--backend wasm] [--json FILE]
//
// Needs the built packages (core, noise, mc-softmax, mc-sigmoid, backend). Reports the median
// process CPU time (tfjs-wasm runs on this one thread, so CPU time is the work itself) and
// wall time of mcSigmoid at S = 100 and 1000 and of exactSigmoid.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradients
import { exactSigmoid, mcSigmoid } from '@uqjs/mc-sigmoid';
import { median, timed, useBackend, writeJson } from '../../../tools/perf/bench-kit.mjs';

const { values: flags } = parseArgs({
  options: {
    reps: { type: 'string', default: '10' },
    outputs: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    json: { type: 'string' },
  },
});
const reps = Number(flags.reps);
const outputs = Number(flags.outputs);
const backend = await useBackend(flags.backend);

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
].map((arm) => ({ ...arm, times: [] }));
for (let r = -2; r < reps; r++) {
  for (const arm of arms) {
    const time = await timed(() => {
      const g = arm.run();
      for (const t of g) t.dataSync();
      tf.dispose(g);
    });
    if (r >= 0) arm.times.push(time);
  }
}
const rows = arms.map((arm) => ({
  name: arm.name,
  cpuMs: median(arm.times.map((t) => t.cpuMs)),
  wallMs: median(arm.times.map((t) => t.wallMs)),
}));
for (const row of rows) {
  console.log(
    `forward+backward B=${B} O=${outputs} (${backend.name}), ${row.name}: CPU ${row.cpuMs.toFixed(2)} ms, wall ${row.wallMs.toFixed(2)} ms (medians of ${reps})`,
  );
}
writeJson(flags.json, { backend: backend.name, batch: B, outputs, reps, heads: rows });
