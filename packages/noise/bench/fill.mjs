// Times the row fills of @uqjs/noise on the built dist: 1.28M float32 values in rows of 10
// (an S = 1000, B = 128, K = 10 latent block), the median of --reps runs after a warm-up.
// Run: npm run build -w @uqjs/noise && node packages/noise/bench/fill.mjs [--reps 15]
import { fillNormalRows, fillUniformRows } from '../dist/fill-rows.js';

const repsFlag = process.argv.indexOf('--reps');
const reps = repsFlag === -1 ? 15 : Number(process.argv[repsFlag + 1]);
const rowLength = 10;
const out = new Float32Array(1_280_000);

function medianMs(fill) {
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

console.log(
  `normal  fill ${out.length} values, rows of ${rowLength}: ${medianMs(fillNormalRows).toFixed(2)} ms`,
);
console.log(
  `uniform fill ${out.length} values, rows of ${rowLength}: ${medianMs(fillUniformRows).toFixed(2)} ms`,
);
