// Where the threads' speed-up goes in the MLP's forward product (issue 23.1): XNNPACK packs the
// right-hand operand of a product when it first sees its buffer, on one thread, and keeps the
// packed form while the buffer lives. Training's weights are a new buffer after every optimizer
// step, so every forward product packs; a product with weights it has seen before does not.
// This times x [128, 1024] · W [1024, 1024] + bias (the paper's MLP layer) with the stock wasm
// _FusedMatMul both ways, and with uqjs's kernels (enableFastWasmTraining), which multiply such a
// product flipped, (W^T x^T)^T, so that XNNPACK packs x^T instead of W; with 1 thread and with N
// (each a child process: the thread count is fixed when the wasm backend starts).
//
//   (cd packages/backend && npx tsc -p tsconfig.build.json)
//   node packages/backend/bench/product-packing.mjs [--threads 2] [--reps 20]
//
// "fresh" gives the product a new copy of W each time (the copy, one Add, is timed alone and
// subtracted); for the stock kernel the difference fresh - seen is the packing, which no thread
// count shortens.
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
  await import('@tensorflow/tfjs-backend-wasm');
  // The stock kernel, before resolveBackend registers uqjs's in its place.
  const stockFused = tf.getKernel('_FusedMatMul', 'wasm').kernelFunc;
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
  /** The stock kernel on rank-3 views (as tfjs-core's op passes them), as a tensor. */
  const stock = (a, b) =>
    tf.engine().makeTensorFromTensorInfo(
      stockFused({
        inputs: { a: tf.reshape(a, [1, 128, 1024]), b: tf.reshape(b, [1, 1024, 1024]), bias },
        backend: tf.backend(),
        attrs: { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 },
      }),
    );
  const copy = time(() => tf.add(w, 0));
  const seen = time(() => tf.tidy(() => stock(x, w)));
  const fresh = time(() => tf.tidy(() => stock(x, tf.add(w, 0)))) - copy;
  const flipped =
    time(() => tf.tidy(() => tf.fused.matMul({ a: x, b: tf.add(w, 0), bias }))) - copy;
  console.log(JSON.stringify({ threads: backend.threads, seen, fresh, flipped }));
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
    `  ${arm.threads} thread(s): stock kernel, W seen before ${arm.seen.toFixed(2)} ms, fresh W ${arm.fresh.toFixed(2)} ms (packing ${(arm.fresh - arm.seen).toFixed(2)} ms); uqjs's kernels, fresh W (flipped) ${arm.flipped.toFixed(2)} ms`,
  );
}
const [one, many] = arms;
const speedUp = (key) => (one[key] / many[key]).toFixed(2);
console.log(
  `  speed-up with ${threads} threads: stock, W seen before ${speedUp('seen')}x, fresh W ${speedUp('fresh')}x; flipped ${speedUp('flipped')}x`,
);
