// Times the row fills of @uqjs/noise on the built dist, in JavaScript and in WebAssembly (the
// same numbers, bit for bit: checked here too): 1.28M float32 values (an S = 1000, B = 128,
// K = 10 latent block) in rows of 10 (one row per sample and example: seeding-heavy, the
// four-row SIMD fills) and of 1280 (what sampleStandard([1000, 128, 10]) draws: a row per
// sample), the median of --reps runs after a warm-up, and the ratio.
// Run: npm run build -w @uqjs/noise && node packages/noise/bench/fill.mjs [--reps 15]
import {
  fillNormalRows,
  fillNormalRowsJs,
  fillUniformRows,
  fillUniformRowsJs,
} from '../dist/fill-rows.js';

const repsFlag = process.argv.indexOf('--reps');
const reps = repsFlag === -1 ? 15 : Number(process.argv[repsFlag + 1]);
const out = new Float32Array(1_280_000);

function medianMs(fill, rowLength) {
  for (let i = 0; i < 3; i++) fill(out, rowLength, 0, 7);
  const times = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    fill(out, rowLength, i * 1000, 7);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function sameBits(a, b, rowLength) {
  const x = a(new Float32Array(out.length), rowLength, 12345, 7);
  const y = b(new Float32Array(out.length), rowLength, 12345, 7);
  return Buffer.compare(Buffer.from(x.buffer), Buffer.from(y.buffer)) === 0;
}

for (const rowLength of [10, 1280]) {
  for (const [name, js, fast] of [
    ['normal ', fillNormalRowsJs, fillNormalRows],
    ['uniform', fillUniformRowsJs, fillUniformRows],
  ]) {
    const jsMs = medianMs(js, rowLength);
    const wasmMs = medianMs(fast, rowLength);
    console.log(
      `${name} fill ${out.length} values, rows of ${rowLength}: JS ${jsMs.toFixed(2)} ms, ` +
        `wasm ${wasmMs.toFixed(2)} ms, ${(jsMs / wasmMs).toFixed(2)}x` +
        (sameBits(js, fast, rowLength) ? ', bit-identical' : ', DIFFERENT NUMBERS'),
    );
  }
}
