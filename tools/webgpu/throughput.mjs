// Training throughput of the paper's CIFAR CNN on one GPU through WebGPU (Dawn) against the wasm
// backend on the same host (issue 24): aggregate examples/s of 1..N worker processes sharing the
// GPU, each training its own model on its own batches, and the effect of
// WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE. Every measurement runs in fresh child processes, which pick
// their backend with @uqjs/backend's resolveBackend (so wasm has the fast training kernels).
//
//   node tools/webgpu/throughput.mjs                       # a few minutes on an NVIDIA machine
//   node tools/webgpu/throughput.mjs --allow-software --seconds 10 --workers 1,2 --batch-sizes 15
//                                                          # a quick check on lavapipe
//   options: --seconds S (per measurement, default 20), --workers 1,2,4,8, --batch 128,
//            --batch-sizes 15,1000 (WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE values; 15 is tfjs' default),
//            --wasm-workers N (default: the cores, capped at 8), --warmup N (steps, default 3),
//            --json FILE, --allow-software
// Needs the repository built (`npm run build`) and `webgpu` + `@tensorflow/tfjs-backend-webgpu`
// installed (root devDependencies). Exit 0: measured; 2: no usable adapter (it says why).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const list = (text) => text.split(',').map(Number);

/** The paper's CIFAR CNN (bench `--model paper` on cifar10), softmax cross-entropy, Adam 1e-3. */
async function buildCnn(tf, tfl, fusedAdam) {
  const model = tfl.sequential();
  for (const [i, filters] of [32, 64, 64].entries()) {
    const first = i === 0 ? { inputShape: [32, 32, 3] } : {};
    model.add(tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'valid', ...first }));
    model.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
    model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 1 }));
  }
  model.add(tfl.layers.flatten());
  for (const units of [256, 128]) {
    model.add(tfl.layers.dense({ units }));
    model.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
  }
  model.add(tfl.layers.dense({ units: 10 }));
  model.compile({
    optimizer: fusedAdam(1e-3),
    loss: (y, logits) => tf.losses.softmaxCrossEntropy(y, logits),
  });
  return model;
}

/** Child: trains for `seconds` after a warm-up, prints one JSON line. */
async function child() {
  const backendName = option('backend');
  const batch = Number(option('batch', '128'));
  const seconds = Number(option('seconds', '20'));
  const flags = option('flags', '');
  const warmup = Number(option('warmup', '3'));
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  const { resolveBackend, fusedAdam } = await import('@uqjs/backend');
  const resolved = await resolveBackend({ prefer: backendName, env: {}, log: false });
  for (const pair of flags.split(';').filter(Boolean)) {
    const [key, value] = pair.split('=');
    tf.env().set(key, Number(value));
  }
  const model = await buildCnn(tf, tfl, fusedAdam);
  const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2), 10);
  // Warm-up: shader compilation, buffer pools, wasm kernels.
  for (let i = 0; i < warmup; i++) await model.trainOnBatch(x, y);
  let steps = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await model.trainOnBatch(x, y); // awaits the loss, as fit does
    steps++;
  }
  const elapsed = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      backend: resolved.name,
      adapter: resolved.adapter ?? null,
      steps,
      seconds: elapsed,
      examplesPerSecond: (steps * batch) / elapsed,
    }),
  );
  process.exit(0);
}

/** Runs `count` children at once; resolves with their reports. */
function measure(backendName, count, { batch, seconds, flags, allowSoftware, warmup = 3 }) {
  const runs = Array.from({ length: count }, () => {
    const args = [SCRIPT, '--child', '--backend', backendName, '--batch', String(batch)];
    args.push('--seconds', String(seconds), '--flags', flags, '--warmup', String(warmup));
    if (allowSoftware) args.push('--allow-software');
    const proc = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, UQJS_BACKEND: '' },
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c) => {
      out += c;
    });
    proc.stderr.on('data', (c) => {
      err += c;
    });
    return new Promise((resolve, reject) =>
      proc.on('close', (code) => {
        const line = out.trim().split('\n').pop() ?? '';
        if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line));
        else
          reject(
            new Error(
              `child (${backendName}) exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`,
            ),
          );
      }),
    );
  });
  return Promise.all(runs);
}

async function main() {
  const seconds = Number(option('seconds', '20'));
  const batch = Number(option('batch', '128'));
  const workers = list(option('workers', '1,2,4,8'));
  const batchSizes = list(option('batch-sizes', '15,1000'));
  const wasmWorkers = Number(option('wasm-workers', String(Math.min(8, availableParallelism()))));
  const allowSoftware = process.argv.includes('--allow-software');
  const jsonFile = option('json');

  // The adapter first: a clear exit 2 before minutes of measuring.
  const warmup = Number(option('warmup', '3'));
  const probe = await measure('webgpu', 1, {
    batch: 2,
    seconds: 0,
    warmup: 1,
    flags: '',
    allowSoftware,
  }).catch((error) => error);
  if (probe instanceof Error) {
    console.error(`throughput: webgpu cannot run here: ${probe.message}`);
    process.exit(2);
  }
  const adapter = probe[0].adapter;
  if (adapter?.software && !allowSoftware) {
    console.error(
      `throughput: only a software adapter (${adapter.description}); pass --allow-software to measure it anyway`,
    );
    process.exit(2);
  }
  const host = `${cpus()[0]?.model.trim()}, ${availableParallelism()} cores`;
  console.log(
    `host: ${host}; adapter: ${adapter?.vendor} ${adapter?.device} (${adapter?.description})`,
  );
  console.log(
    `paper CIFAR CNN, batch ${batch}, trainOnBatch with fusedAdam, ${seconds} s per measurement\n`,
  );

  const rows = [];
  const record = async (label, backendName, count, flags) => {
    const reports = await measure(backendName, count, {
      batch,
      seconds,
      flags,
      allowSoftware,
      warmup,
    });
    const total = reports.reduce((s, r) => s + r.examplesPerSecond, 0);
    rows.push({ label, backend: backendName, workers: count, flags, examplesPerSecond: total });
    console.log(`${label.padEnd(48)} ${total.toFixed(1).padStart(9)} examples/s`);
    return total;
  };
  const wasm1 = await record('wasm, 1 process', 'wasm', 1, '');
  const wasmAll =
    wasmWorkers > 1
      ? await record(`wasm, ${wasmWorkers} processes`, 'wasm', wasmWorkers, '')
      : wasm1;
  let best = { total: 0 };
  for (const size of batchSizes) {
    for (const count of workers) {
      const flags = `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=${size}`;
      const label = `webgpu, ${count} process${count > 1 ? 'es' : ''}, deferred submit ${size}`;
      const total = await record(label, 'webgpu', count, flags);
      if (total > best.total) best = { total, count, size };
    }
  }
  const summary = {
    host,
    adapter,
    batch,
    seconds,
    rows,
    best: {
      workers: best.count,
      deferredSubmitBatchSize: best.size,
      examplesPerSecond: best.total,
    },
    ratioToWasm1: best.total / wasm1,
    ratioToWasmAll: best.total / wasmAll,
  };
  console.log(
    `\nbest webgpu: ${best.total.toFixed(1)} examples/s (${best.count} processes, deferred submit ${best.size}): ` +
      `${summary.ratioToWasm1.toFixed(2)}x wasm on 1 process, ${summary.ratioToWasmAll.toFixed(2)}x wasm on ${wasmWorkers}`,
  );
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
}

if (process.argv.includes('--child')) await child();
else await main();
