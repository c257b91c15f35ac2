// Throughput of @uqjs/metrics on the JS side. Run after building:
//   (cd packages/metrics && npx tsc -p tsconfig.build.json && node bench/throughput.mjs)
//   node packages/metrics/bench/throughput.mjs [--reps 5] [--json FILE]
// 1. ECE + MCE + NLL + Brier + accuracy (+ diagram) over 1,000,000 x 10 predictions in one streaming
//    pass of 10 chunks (Float32Array probabilities, Int32Array labels). Target < 1 s.
// 2. fitTemperature on 10,000 x 100 logits. Target < 2 s.
// Data generation is not timed. Each measurement is repeated and the median printed (wall
// clock; the process CPU time is recorded beside it in the JSON).
import { parseArgs } from 'node:util';
import { Rng } from '@uqjs/core';
import { Calibration, fitTemperature } from '@uqjs/metrics';
import { median, timed, writeJson } from '../../../tools/perf/bench-kit.mjs';

const { values: flags } = parseArgs({
  options: { reps: { type: 'string', default: '5' }, json: { type: 'string' } },
});
const reps = Number(flags.reps);

/** n rows of softmax(scale * normal logits), K classes, as float32; labels drawn from them. */
function makeChunk(rng, n, k, scale) {
  const probs = new Float32Array(n * k);
  const logits = new Float32Array(n * k);
  const labels = new Int32Array(n);
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      row[c] = scale * rng.normal();
      logits[i * k + c] = row[c];
      max = Math.max(max, row[c]);
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      row[c] = Math.exp(row[c] - max);
      sum += row[c];
    }
    let u = rng.uniform();
    labels[i] = k - 1;
    for (let c = 0; c < k; c++) {
      probs[i * k + c] = row[c] / sum;
      u -= row[c] / sum;
      if (u < 0 && labels[i] === k - 1) labels[i] = c;
    }
  }
  return { probs, logits, labels };
}

const rng = new Rng(2024);
const numChunks = 10;
const chunkSize = 100_000;
const k = 10;
const chunks = Array.from({ length: numChunks }, () => makeChunk(rng, chunkSize, k, 3));
const total = numChunks * chunkSize;

const streamTimes = [];
let result;
for (let rep = 0; rep < reps; rep++) {
  streamTimes.push(
    await timed(() => {
      const stream = new Calibration({ bins: 15 });
      for (const c of chunks) stream.update({ data: c.probs, numClasses: k }, c.labels);
      result = stream.result();
    }),
  );
}
const streamSeconds = median(streamTimes.map((t) => t.wallMs)) / 1000;
const streamCpuSeconds = median(streamTimes.map((t) => t.cpuMs)) / 1000;
console.log(
  `streaming Calibration, ${total.toLocaleString('en-US')} x ${k} in ${numChunks} chunks: ` +
    `${streamSeconds.toFixed(3)} s (median of ${reps}), ${(total / streamSeconds / 1e6).toFixed(2)} M predictions/s ` +
    `[target < 1 s: ${streamSeconds < 1 ? 'met' : 'MISSED'}]`,
);
console.log(
  `  ece ${result.ece.toFixed(5)}  mce ${result.mce.toFixed(5)}  nll ${result.nll.toFixed(5)}  ` +
    `brier ${result.brier.toFixed(5)}  accuracy ${result.accuracy.toFixed(5)}  count ${result.count}`,
);

// Overconfident logits: 10,000 x 100 drawn at scale 3, then doubled, so T = 2 is the optimum.
const fitData = makeChunk(new Rng(7), 10_000, 100, 3);
const doubled = fitData.logits.map((v) => 2 * v);
const fitTimes = [];
let fit;
for (let rep = 0; rep < Math.max(1, Math.ceil(reps / 2)); rep++) {
  fitTimes.push(
    await timed(() => {
      fit = fitTemperature({ data: doubled, numClasses: 100 }, fitData.labels);
    }),
  );
}
const fitSeconds = median(fitTimes.map((t) => t.wallMs)) / 1000;
console.log(
  `fitTemperature, 10,000 x 100 logits: ${fitSeconds.toFixed(3)} s (median of ${fitTimes.length}) ` +
    `[target < 2 s: ${fitSeconds < 2 ? 'met' : 'MISSED'}]`,
);
console.log(
  `  T ${fit.temperature.toFixed(4)} (expected near 2), ${fit.iterations} bisection steps, ` +
    `nll ${fit.nllBefore.toFixed(4)} -> ${fit.nllAfter.toFixed(4)}, hitBound ${fit.hitBound}`,
);

writeJson(flags.json, {
  calibration: {
    predictions: total,
    classes: k,
    chunks: numChunks,
    seconds: streamSeconds,
    cpuSeconds: streamCpuSeconds,
    predictionsPerSecond: total / streamSeconds,
    predictionsPerCpuSecond: total / streamCpuSeconds,
    ece: result.ece,
  },
  fitTemperature: {
    examples: 10_000,
    classes: 100,
    seconds: fitSeconds,
    temperature: fit.temperature,
  },
});
