// Where the threads' speed-up goes in the MLP's forward product (issue 23.1): XNNPACK packs the
// right-hand operand of a product when it first sees its buffer, on one thread, and keeps the
// packed form while the buffer lives. Training's weights are a new buffer after every optimizer
// step, so every forward product packs; a product with weights it has seen before does not.
// This times x [128, 1024] · W [1024, 1024] (the paper's MLP layer) both ways, with 1 thread and
// with N (each a child process: the thread count is fixed when the wasm backend starts).
//
//   (cd packages/backend && npx tsc -p tsconfig.build.json)
//   node packages/backend/bench/product-packing.mjs [--threads 2] [--reps 20]
//
// "fresh" gives the product a new copy of W each time (the copy, one Add, is timed alone and
// subtracted); the difference fresh - seen is the packing, which no thread count shortens.
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '20' },
    child: { type: 'string' },
  },
});

if (flags.child !== undefined) {
  const tf = await import('@tensorflow/tfjs-core');
  const { resolveBackend } = await import('@uqjs/backend');
  const backend = await resolveBackend({
    prefer: 'wasm',
    threads: Number(flags.child),
    log: false,
    env: {},
  });
  const reps = Number(flags.reps);
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  /** Median milliseconds of `run()` (its result disposed), after 3 warm-up calls. */
  const time = (run) => {
    for (let i = 0; i < 3; i++) tf.dispose(run());
    const ms = [];
    for (let i = 0; i < reps; i++) {
      const start = performance.now();
      tf.dispose(run());
      ms.push(performance.now() - start);
    }
    return median(ms);
  };
  const x = tf.randomNormal([128, 1024], 0, 1, 'float32', 1);
  const w = tf.randomNormal([1024, 1024], 0, 1, 'float32', 2);
  const bias = tf.zeros([1024]);
  const seen = time(() => tf.fused.matMul({ a: x, b: w, bias }));
  const copy = time(() => tf.add(w, 0));
  const fresh = time(() => tf.tidy(() => tf.fused.matMul({ a: x, b: tf.add(w, 0), bias })));
  console.log(JSON.stringify({ threads: backend.threads, seen, fresh: fresh - copy }));
  process.exit(0);
}

const threads = Number(flags.threads);
const script = fileURLToPath(import.meta.url);
console.log(
  `wasm, x [128, 1024] · W [1024, 1024] + bias; ${availableParallelism()} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const arms = [1, threads].map((count) =>
  JSON.parse(
    execFileSync(process.execPath, [script, '--child', String(count), '--reps', flags.reps], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1),
  ),
);
for (const arm of arms) {
  console.log(
    `  ${arm.threads} thread(s): W seen before ${arm.seen.toFixed(2)} ms, fresh W ${arm.fresh.toFixed(2)} ms (packing ${(arm.fresh - arm.seen).toFixed(2)} ms)`,
  );
}
const [one, many] = arms;
console.log(
  `  speed-up with ${threads} threads: W seen before ${(one.seen / many.seen).toFixed(2)}x, fresh W ${(one.fresh / many.fresh).toFixed(2)}x`,
);
