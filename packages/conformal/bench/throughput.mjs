// Throughput of @uqjs/conformal on the JS side. Run after building:
//   (cd packages/conformal && npx tsc -p tsconfig.build.json && node bench/throughput.mjs)
//   node packages/conformal/bench/throughput.mjs [--reps 5]
// For each method (lac, aps, raps): calibrate on 10,000 x 100 float32 probabilities, then
// predictSets on another 10,000 x 100. Data generation is not timed; the median of the
// repeats is printed (wall clock).
import { parseArgs } from 'node:util';
import { calibrate } from '@uqjs/conformal';
import { Rng } from '@uqjs/core';
import { median, timed } from '../../../tools/perf/bench-kit.mjs';

const { values: flags } = parseArgs({ options: { reps: { type: 'string', default: '5' } } });
const reps = Number(flags.reps);
const N = 10_000;
const K = 100;

/** N rows of softmax(2 * normal logits) as float32, and uniform labels. */
function makeData(rng) {
  const data = new Float32Array(N * K);
  const labels = new Int32Array(N);
  const row = new Float64Array(K);
  for (let i = 0; i < N; i++) {
    let sum = 0;
    for (let k = 0; k < K; k++) {
      row[k] = Math.exp(2 * rng.normal());
      sum += row[k];
    }
    for (let k = 0; k < K; k++) data[i * K + k] = row[k] / sum;
    labels[i] = rng.int(K);
  }
  return { probs: { data, numClasses: K }, labels };
}

const rng = new Rng(1);
const cal = makeData(rng);
const test = makeData(rng);
for (const method of ['lac', 'aps', 'raps']) {
  const calibrateMs = [];
  const predictMs = [];
  for (let r = 0; r < reps; r++) {
    let predictor;
    const c = await timed(async () => {
      predictor = await calibrate(cal.probs, cal.labels, { alpha: 0.1, method });
    });
    calibrateMs.push(c.wallMs);
    const p = await timed(() => predictor.predictSets(test.probs));
    predictMs.push(p.wallMs);
  }
  console.log(
    `${method}: calibrate ${N} x ${K} ${median(calibrateMs).toFixed(0)} ms, predictSets ${N} x ${K} ${median(predictMs).toFixed(0)} ms (median of ${reps})`,
  );
}
