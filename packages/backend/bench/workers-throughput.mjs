// runInWorkers throughput: the same fixed set of small, independent training tasks (MLP
// 784-512-512-10, batch 128, Adam) run with 1 worker process and with 2, in one run. Node
// runs tfjs-wasm on one thread, so a second core is only used by a second process.
//
//   (cd packages/backend && npx tsc -p tsconfig.build.json)
//   node packages/backend/bench/workers-throughput.mjs [numTasks=8] [backend=wasm]
//
// Wall time includes starting the workers (loading tfjs and picking the backend).
import { availableParallelism, loadavg } from 'node:os';
import { runInWorkers } from '@uqjs/backend/node';

const numTasks = Number(process.argv[2] ?? 8);
const backend = process.argv[3] ?? 'wasm';
const tasks = Array.from({ length: numTasks }, (_, i) => ({
  seed: i + 1,
  steps: 12,
  batch: 128,
  hidden: 512,
  depth: 2,
}));

console.log(
  `${numTasks} tasks on ${backend}; ${availableParallelism()} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const perSecond = {};
for (const workers of [1, 2]) {
  const start = performance.now();
  const results = await runInWorkers(tasks, {
    module: new URL('./train-task.mjs', import.meta.url),
    workers,
    env: { UQJS_BACKEND: backend },
  });
  const seconds = (performance.now() - start) / 1000;
  const examples = results.reduce((sum, r) => sum + r.examples, 0);
  perSecond[workers] = examples / seconds;
  const pids = new Set(results.map((r) => r.pid)).size;
  console.log(
    `  ${workers} worker(s): ${seconds.toFixed(1)} s wall, ${(numTasks / seconds).toFixed(2)} tasks/s, ` +
      `${perSecond[workers].toFixed(0)} examples/s (${pids} process(es), backend ${results[0].backend})`,
  );
}
console.log(`  speed-up with 2 workers: ${(perSecond[2] / perSecond[1]).toFixed(2)}x`);
