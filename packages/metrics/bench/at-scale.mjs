// Metrics at scale (issue 23.3): streams ROWS predictions of K classes, in chunks, through the
// streaming `Calibration` (equal-width, 15 bins, top-label) and `OodDetection` (max-prob score
// of each row), one after the other, and reports rows/s and the process's peak memory
// (process.memoryUsage: rss, heapUsed, arrayBuffers, sampled after every chunk) after the
// first CHECKPOINT rows and at the end: bounded memory means the end is no higher than the
// checkpoint for Calibration (its state is 15 bins), and higher by the 8 bytes per row of kept
// scores (nothing per class) for OodDetection.
//
//   node packages/metrics/bench/at-scale.mjs [--rows 1e7] [--classes 1000] [--chunk 10000]
//        [--distinct 4] [--checkpoint 1e6] [--quick] [--json FILE]
//   (after `cd packages/metrics && npm run build`; full size takes a few minutes on 2 cores)
//
// --quick: 100,000 rows, checkpoint 20,000, 2 distinct chunks (the perf suite's quick mode). Data: generating
// 10^10 probabilities would take far longer than the metrics, so DISTINCT chunks of softmax
// probabilities (float32) are generated once and reused in rotation, each time with fresh
// labels (drawn so that the top-label prediction is right with probability equal to its
// confidence: a calibrated predictor, so the ECE should be near 0). One row in five is "OOD"
// (flat logits); the others have one class boosted. Generation and label drawing are not
// timed; rows/s counts the update() calls only.
import { parseArgs } from 'node:util';
import { Rng } from '@uqjs/core';
import { Calibration, OodDetection } from '@uqjs/metrics';
import { writeJson } from '../../../tools/perf/bench-kit.mjs';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string' },
    classes: { type: 'string', default: '1000' },
    chunk: { type: 'string', default: '10000' },
    distinct: { type: 'string' },
    checkpoint: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const count = (text, flag) => {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`--${flag}: expected an integer >= 1, got ${text}`);
  return v;
};
const rows = count(flags.rows ?? (flags.quick ? '100000' : '1e7'), 'rows');
const k = count(flags.classes, 'classes');
const chunkRows = count(flags.chunk, 'chunk');
const distinct = count(flags.distinct ?? (flags.quick ? '2' : '4'), 'distinct');
const checkpoint = count(flags.checkpoint ?? (flags.quick ? '20000' : '1e6'), 'checkpoint');
if (rows % chunkRows !== 0 || checkpoint % chunkRows !== 0 || checkpoint > rows) {
  throw new Error('--rows and --checkpoint must be multiples of --chunk, checkpoint <= rows');
}
const MiB = 2 ** 20;
const OOD_EVERY = 5;

/** One chunk: float32 softmax rows, each row's argmax and top probability, its OOD flag. */
function makeChunk(rng) {
  const probs = new Float32Array(chunkRows * k);
  const top = new Int32Array(chunkRows);
  const topProb = new Float64Array(chunkRows);
  const isOod = new Uint8Array(chunkRows);
  const z = new Float64Array(k);
  for (let i = 0; i < chunkRows; i++) {
    const ood = i % OOD_EVERY === OOD_EVERY - 1;
    isOod[i] = ood ? 1 : 0;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      z[c] = (ood ? 1 : 2) * rng.normal();
    }
    if (!ood) z[rng.int(k)] += 4 + 6 * rng.uniform();
    for (let c = 0; c < k; c++) max = Math.max(max, z[c]);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      z[c] = Math.exp(z[c] - max);
      sum += z[c];
    }
    let best = 0;
    for (let c = 0; c < k; c++) {
      const p = Math.fround(z[c] / sum);
      probs[i * k + c] = p;
      if (p > probs[i * k + best]) best = c;
    }
    top[i] = best;
    topProb[i] = probs[i * k + best];
  }
  return { probs, top, topProb, isOod };
}

/** Fresh labels: the top class with probability its confidence, otherwise another class. */
function drawLabels(rng, chunk, out) {
  for (let i = 0; i < chunkRows; i++) {
    const t = chunk.top[i];
    if (rng.uniform() < chunk.topProb[i]) out[i] = t;
    else {
      const other = rng.int(k - 1);
      out[i] = other >= t ? other + 1 : other;
    }
  }
  return out;
}

const memory = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
};
const maxOf = (a, b) => ({
  rss: Math.max(a.rss, b.rss),
  heapUsed: Math.max(a.heapUsed, b.heapUsed),
  arrayBuffers: Math.max(a.arrayBuffers, b.arrayBuffers),
});
const mib = (m) =>
  `rss ${(m.rss / MiB).toFixed(1)} MiB, heapUsed ${(m.heapUsed / MiB).toFixed(1)}, arrayBuffers ${(m.arrayBuffers / MiB).toFixed(1)}`;

const genStart = performance.now();
const dataRng = new Rng(2026);
const chunks = Array.from({ length: distinct }, () => makeChunk(dataRng));
const generationSeconds = (performance.now() - genStart) / 1000;
console.log(
  `metrics at scale: ${rows.toLocaleString('en-US')} rows x ${k} classes in chunks of ${chunkRows.toLocaleString('en-US')} ` +
    `(${distinct} distinct float32 probability chunks, generated once in ${generationSeconds.toFixed(1)} s and reused in rotation ` +
    `with fresh labels; 1 row in ${OOD_EVERY} OOD); memory sampled after every chunk`,
);

/**
 * Streams every chunk through `update(chunk, labels)`; returns the timing of the updates, the
 * peak memory up to the checkpoint and to the end, and the timing of `finish()`.
 */
function stream(name, update, finish) {
  const labelRng = new Rng(7);
  const labels = new Int32Array(chunkRows);
  const start = memory();
  let peak = start;
  let atCheckpoint;
  let wallMs = 0;
  let cpuUs = 0;
  for (let done = 0, c = 0; done < rows; done += chunkRows, c++) {
    const chunk = chunks[c % distinct];
    drawLabels(labelRng, chunk, labels);
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    update(chunk, labels);
    wallMs += performance.now() - t0;
    const used = process.cpuUsage(cpu);
    cpuUs += used.user + used.system;
    peak = maxOf(peak, memory());
    if (done + chunkRows === checkpoint) atCheckpoint = peak;
  }
  const t0 = performance.now();
  const result = finish();
  const resultMs = performance.now() - t0;
  peak = maxOf(peak, memory());
  const record = {
    rowsPerSecond: rows / (wallMs / 1000),
    rowsPerCpuSecond: rows / (cpuUs / 1e6),
    updateSeconds: wallMs / 1000,
    resultSeconds: resultMs / 1000,
    memory: { start, checkpoint: { rows: checkpoint, ...atCheckpoint }, end: { rows, ...peak } },
    result,
  };
  console.log(
    `${name}: ${(record.rowsPerSecond / 1e6).toFixed(3)} M rows/s (${(record.rowsPerCpuSecond / 1e6).toFixed(3)} M per CPU-s; ` +
      `${record.updateSeconds.toFixed(1)} s of updates), result() ${record.resultSeconds.toFixed(3)} s`,
  );
  console.log(`  at start:          ${mib(start)}`);
  console.log(`  peak to ${checkpoint.toLocaleString('en-US')} rows: ${mib(atCheckpoint)}`);
  console.log(`  peak to ${rows.toLocaleString('en-US')} rows: ${mib(peak)}`);
  console.log(
    `  growth from ${checkpoint.toLocaleString('en-US')} to ${rows.toLocaleString('en-US')} rows: rss ` +
      `${((peak.rss - atCheckpoint.rss) / MiB).toFixed(1)} MiB ` +
      `(${((peak.rss - atCheckpoint.rss) / (rows - checkpoint)).toFixed(2)} bytes per row)`,
  );
  return record;
}

const cal = new Calibration({ bins: 15 });
const calibration = stream(
  'Calibration (equal-width, 15 bins, top-label)',
  (chunk, labels) => cal.update({ data: chunk.probs, numClasses: k }, labels),
  () => {
    const { ece, mce, nll, brier, accuracy, count } = cal.result();
    return { ece, mce, nll, brier, accuracy, count };
  },
);
console.log(
  `  ece ${calibration.result.ece.toFixed(5)} (calibrated by construction: near 0), accuracy ${calibration.result.accuracy.toFixed(4)}, ` +
    `nll ${calibration.result.nll.toFixed(4)}, count ${calibration.result.count}`,
);

const ood = new OodDetection({ score: 'max-prob' });
const oodRecord = stream(
  'OodDetection (max-prob score per row)',
  (chunk) => ood.updateProbs({ data: chunk.probs, numClasses: k }, chunk.isOod),
  () => ({ ...ood.result(), ...ood.count }),
);
const stored = 8 * (oodRecord.result.in + oodRecord.result.out);
console.log(
  `  auroc ${oodRecord.result.auroc.toFixed(5)}, fpr95 ${oodRecord.result.fpr95.toFixed(5)}; ` +
    `${oodRecord.result.in.toLocaleString('en-US')} in + ${oodRecord.result.out.toLocaleString('en-US')} OOD scores kept: ` +
    `${(stored / MiB).toFixed(1)} MiB at 8 bytes each`,
);

writeJson(flags.json, {
  rows,
  classes: k,
  chunkRows,
  distinctChunks: distinct,
  generationSeconds,
  inputBytes: rows * k * 4,
  calibration,
  ood: { ...oodRecord, storedScoreBytes: stored },
});
