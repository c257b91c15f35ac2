// Probe: can TensorFlow.js run on WebGPU in Node through Dawn (`webgpu` npm package) and
// `@tensorflow/tfjs-backend-webgpu`, without libtensorflow? Prints the adapter Dawn finds (or
// why there is none), checks webgpu results against the `cpu` backend (matMul, conv2d and its
// gradients, softmax, a few MLP training steps, a synchronous read), and with --bench measures
// matmul GFLOP/s and the paper's MNIST MLP and CIFAR CNN training throughput on each backend in
// one run. Setup and the commands that produced docs/webgpu.md: tools/webgpu/README.md.
//
//   node tools/webgpu/probe.mjs [--modules DIR] [--checks] [--bench] [--profile]
//        [--allow-software] [--backends webgpu,wasm,cpu] [--dawn opt,opt] [--tf-flags N=V,...]
//        [--json FILE]
//
// --modules DIR    resolve every npm package from DIR/node_modules (default: this checkout);
//                  `webgpu` and `@tensorflow/tfjs-backend-webgpu` are not repo dependencies.
// --checks         correctness vs cpu (default when --bench is absent).
// --bench          matmul GFLOP/s, MLP and CNN training examples/s per backend.
// --profile        webgpu only: round-trip latency, kernels per MLP step, examples/s vs batch
//                  size, and a loop without per-step reads.
// --allow-software run on a software adapter (Mesa lavapipe, SwiftShader) instead of stopping.
// --dawn           options for Dawn's `create()`, e.g. `backend=vulkan` or `adapter=NAME`.
// --tf-flags       tfjs flags NAME=VALUE,... e.g. WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=1000.
// --json FILE      also write every result as JSON.
//
// Exit status: 0 when the probe ran and every check passed, 1 when a check failed, 2 when there
// is no usable adapter (the reason is printed), 3 on a usage error.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = parseArgs(process.argv.slice(2));
const require = createRequire(join(args.modules, 'package.json'));
/** Imports an npm package the way Node would from `--modules` (one tfjs-core instance). */
const importPackage = (name) => import(pathToFileURL(require.resolve(name)).href);

const report = { node: process.version, platform: `${process.platform}-${process.arch}` };

function parseArgs(argv) {
  const out = {
    modules: process.cwd(),
    checks: false,
    bench: false,
    profile: false,
    allowSoftware: false,
    backends: ['webgpu', 'wasm', 'cpu'],
    dawn: [],
    tfFlags: [],
    json: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    if (flag === '--modules') out.modules = resolve(value());
    else if (flag === '--checks') out.checks = true;
    else if (flag === '--bench') out.bench = true;
    else if (flag === '--profile') out.profile = true;
    else if (flag === '--allow-software') out.allowSoftware = true;
    else if (flag === '--backends') out.backends = value().split(',');
    else if (flag === '--dawn') out.dawn = value().split(',');
    else if (flag === '--tf-flags') out.tfFlags = value().split(',');
    else if (flag === '--json') out.json = resolve(value());
    else usage(`unknown argument '${flag}'`);
  }
  if (!out.bench && !out.profile) out.checks = true;
  return out;
}

function usage(message) {
  console.error(`probe: ${message}\nsee the header of tools/webgpu/probe.mjs for the flags`);
  process.exit(3);
}

// ---------------------------------------------------------------------------------------------
// Adapter

/**
 * Software adapters (CPU rasterizers exposed as Vulkan/GL devices) are correct but no faster
 * than the wasm backend; resolveBackend must not pick them on its own.
 */
function isSoftwareAdapter(info) {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return (
    info.isFallbackAdapter === true ||
    info.architecture === 'software' ||
    /llvmpipe|lavapipe|softpipe|swiftshader/i.test(text)
  );
}

/** Where a Vulkan loader looks for drivers, and what is there (for the "no adapter" message). */
function vulkanDiagnosis() {
  const loaderDirs = [
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
  ];
  const fromLdPath = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const loader = [...fromLdPath, ...loaderDirs]
    .map((dir) => join(dir, 'libvulkan.so.1'))
    .find((path) => existsSync(path));
  const icdDirs = [
    '/etc/vulkan/icd.d',
    '/usr/share/vulkan/icd.d',
    '/usr/local/share/vulkan/icd.d',
    '/usr/local/nvidia/share/vulkan/icd.d',
  ];
  const icds = icdDirs.flatMap((dir) =>
    existsSync(dir) ? readdirSync(dir).map((file) => join(dir, file)) : [],
  );
  return {
    loader: loader ?? 'not found (Debian/Ubuntu: apt-get install libvulkan1)',
    icdFiles: icds,
    VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES,
    VK_DRIVER_FILES: process.env.VK_DRIVER_FILES,
  };
}

/** Loads Dawn and asks for the adapter tfjs-backend-webgpu would get; `{ adapter }` or `{ why }`. */
async function findAdapter() {
  let webgpu;
  try {
    webgpu = await importPackage('webgpu');
  } catch (error) {
    return { why: `the npm package 'webgpu' does not load: ${firstLine(error)}` };
  }
  const { create, globals } = webgpu;
  // GPUBufferUsage, GPUMapMode, ... are globals in a browser; tfjs-backend-webgpu reads them.
  Object.assign(globalThis, globals);
  let gpu;
  try {
    gpu = create(args.dawn);
  } catch (error) {
    return { why: `Dawn's create(${JSON.stringify(args.dawn)}) failed: ${firstLine(error)}` };
  }
  // The descriptor tfjs-backend-webgpu 4.22 passes itself (base.ts), so this is its adapter.
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    return {
      why:
        'Dawn found no WebGPU adapter. Its own reason is the warning it printed on stderr above ' +
        '(e.g. "Couldn\'t load Vulkan: libvulkan.so.1", or "Vulkan shaderUniform*ArrayDynamicIndexing ' +
        'required" for the Mesa 22.3 lavapipe of Debian 12). Vulkan as seen from here: ' +
        JSON.stringify(vulkanDiagnosis()),
    };
  }
  const { vendor, architecture, device, description } = adapter.info;
  const info = {
    vendor,
    architecture,
    device,
    description,
    isFallbackAdapter: adapter.info.isFallbackAdapter,
  };
  return { gpu, adapter, info, software: isSoftwareAdapter(info) };
}

/** Installs `gpu` as `navigator.gpu` (Node 20 has no navigator; Node 21+ has one, read-only). */
function installNavigatorGpu(gpu) {
  if (globalThis.navigator === undefined) {
    globalThis.navigator = { gpu };
  } else {
    Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  }
}

function firstLine(error) {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

// ---------------------------------------------------------------------------------------------
// Helpers

let tf;
let tfl;

async function use(backend) {
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
}

/** `{ shape, values }` of seeded N(0, 1) numbers, made on the cpu backend. */
function normalArray(shape, seed) {
  return tf.tidy(() => {
    const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
    return { shape, values: t.dataSync().slice() };
  });
}

/** Runs `fn(...tensors)` on `backend` with inputs from plain arrays; returns Float32Arrays. */
async function runOn(backend, fn, inputs) {
  await use(backend);
  const tensors = inputs.map(({ shape, values }) => tf.tensor(values, shape));
  try {
    const outputs = tf.tidy(() => [fn(...tensors)].flat());
    const values = await Promise.all(outputs.map((t) => t.data()));
    tf.dispose(outputs);
    return values;
  } finally {
    tf.dispose(tensors);
  }
}

/** Normwise relative error ||a - b||_inf / ||b||_inf (b the cpu reference). */
function relError(a, b) {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, Number.MIN_VALUE);
}

// ---------------------------------------------------------------------------------------------
// Correctness: webgpu vs cpu on the same inputs

/**
 * Tolerances: float32 with a different summation order. A k-term dot product carries a
 * relative rounding error of about sqrt(k) * 6e-8 per entry (k <= 1,000 here: ~2e-6), so 1e-4
 * is loose enough for any order and tight enough to catch a wrong index. Training compounds
 * these over a few SGD steps: 1e-3.
 */
const OP_TOL = 1e-4;
const TRAIN_TOL = 1e-3;

function opCases() {
  const conv = (stride, pad, dilation) => (x, w) => tf.conv2d(x, w, stride, pad, 'NHWC', dilation);
  // Gradient of sum(conv(x, w) * g) w.r.t. x and w: Conv2DBackpropInput / BackpropFilter.
  const convGrads = (stride, pad) => (x, w, g) =>
    tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a, b, stride, pad), g)))([x, w]);
  const x = normalArray([2, 17, 17, 5], 11);
  const w = normalArray([3, 3, 5, 8], 12);
  return [
    [
      'matMul [127,255]x[255,63]',
      (a, b) => tf.matMul(a, b),
      [
        [127, 255],
        [255, 63],
      ],
    ],
    [
      'matMul Aᵀ·B [255,127]ᵀx[255,63]',
      (a, b) => tf.matMul(a, b, true),
      [
        [255, 127],
        [255, 63],
      ],
    ],
    [
      'matMul A·Bᵀ [127,255]x[63,255]ᵀ',
      (a, b) => tf.matMul(a, b, false, true),
      [
        [127, 255],
        [63, 255],
      ],
    ],
    [
      'matMul [512,1000]x[1000,512]',
      (a, b) => tf.matMul(a, b),
      [
        [512, 1000],
        [1000, 512],
      ],
    ],
    ['conv2d 3x3 stride 1 same', conv(1, 'same', 1), [x, w]],
    ['conv2d 3x3 stride 2 valid', conv(2, 'valid', 1), [x, w]],
    ['conv2d 3x3 dilation 2 same', conv(1, 'same', 2), [x, w]],
    ['conv2d grads (x, w) stride 1 same', convGrads(1, 'same'), [x, w, [2, 17, 17, 8]]],
    ['conv2d grads (x, w) stride 2 valid', convGrads(2, 'valid'), [x, w, [2, 8, 8, 8]]],
    ['softmax [64,1000]', (a) => tf.softmax(a), [[64, 1000]]],
    ['logSoftmax [64,1000]', (a) => tf.logSoftmax(a), [[64, 1000]]],
    [
      'softmax cross-entropy grad [64,10]',
      (logits, labels) =>
        tf.grad((z) => tf.losses.softmaxCrossEntropy(tf.softmax(labels), z))(logits),
      [
        [64, 10],
        [64, 10],
      ],
    ],
  ].map(([name, fn, shapes], i) => [
    name,
    fn,
    shapes.map((s, j) => (Array.isArray(s) ? normalArray(s, 100 * i + j) : s)),
  ]);
}

async function opChecks() {
  const results = [];
  for (const [name, fn, inputs] of opCases()) {
    const ref = await runOn('cpu', fn, inputs);
    const got = await runOn('webgpu', fn, inputs);
    const err = Math.max(...got.map((g, i) => relError(g, ref[i])));
    results.push({ name, relError: err, pass: err <= OP_TOL });
  }
  return results;
}

/** A small MLP with fixed initial weights, trained with SGD on fixed data; losses and weights. */
async function trainOn(backend, weights, data) {
  await use(backend);
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 64, inputShape: [784], activation: 'relu' }),
      tfl.layers.dense({ units: 64, activation: 'relu' }),
      tfl.layers.dense({ units: 10 }),
    ],
  });
  model.compile({
    optimizer: tf.train.sgd(0.05),
    loss: (y, z) => tf.losses.softmaxCrossEntropy(y, z),
  });
  if (weights !== undefined) {
    model.setWeights(weights.map(({ shape, values }) => tf.tensor(values, shape)));
  }
  // Async reads only: webgpu's dataSync() needs OffscreenCanvas, which Node lacks.
  const initial = await Promise.all(
    model.getWeights().map(async (t) => ({ shape: t.shape, values: await t.data() })),
  );
  const x = tf.tensor(data.x.values, data.x.shape);
  const y = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 10);
  const losses = [];
  await model.fit(x, y, {
    batchSize: 32,
    epochs: 2,
    shuffle: false,
    verbose: 0,
    callbacks: { onBatchEnd: async (_batch, logs) => losses.push(logs.loss) },
  });
  const final = await Promise.all(model.getWeights().map((t) => t.data()));
  tf.dispose([x, y]);
  model.dispose();
  return { initial, losses: Float32Array.from(losses), final };
}

/**
 * tfjs-backend-webgpu's readSync (dataSync, arraySync, bufferSync) copies through an
 * OffscreenCanvas 'webgpu' context, a browser API that Node and dawn.node lack; Dawn's node
 * bindings have no synchronous map either. Reported, not counted as a failed check.
 */
async function syncReadCheck() {
  await use('webgpu');
  const t = tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])));
  try {
    t.dataSync();
    return { works: true };
  } catch (error) {
    return { works: false, error: `${error.name}: ${firstLine(error)}` };
  } finally {
    t.dispose();
  }
}

/**
 * Whether uqjs functions that read with dataSync() work on GPU-resident inputs (run only where
 * `--modules` has built copies of @uqjs/metrics and @uqjs/mc-softmax). [512, 10] is above
 * WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD (1000 elements), so the inputs live on the device.
 */
async function uqjsSyncReadChecks() {
  let metrics;
  let mcSoftmaxModule;
  try {
    metrics = await importPackage('@uqjs/metrics');
    mcSoftmaxModule = await importPackage('@uqjs/mc-softmax');
  } catch (error) {
    return [{ name: 'uqjs packages', error: `not loaded: ${firstLine(error)}` }];
  }
  await use('webgpu');
  const labels = Array.from({ length: 512 }, (_, i) => i % 10);
  const loc = tf.add(tf.randomNormal([512, 10], 0, 1, 'float32', 1), 0);
  const probs = tf.softmax(loc);
  const scale = tf.onesLike(loc);
  const cases = [
    ['@uqjs/metrics nll(probs tensor, labels)', () => metrics.nll(probs, labels)],
    [
      '@uqjs/metrics nll(await probs.array(), labels)',
      async () => metrics.nll(await probs.array(), labels),
    ],
    [
      '@uqjs/mc-softmax mcSoftmax(loc, scale, {numSamples: 10, seed: 1})',
      async () => {
        const out = mcSoftmaxModule.mcSoftmax(loc, scale, { numSamples: 10, seed: 1 });
        const value = (await out.probs.data())[0];
        tf.dispose(Object.values(out));
        return value;
      },
    ],
  ];
  const results = [];
  for (const [name, run] of cases) {
    try {
      results.push({ name, works: true, value: await run() });
    } catch (error) {
      results.push({ name, works: false, error: `${error.name}: ${firstLine(error)}` });
    }
  }
  tf.dispose([loc, probs, scale]);
  return results;
}

async function trainingCheck() {
  const data = {
    x: normalArray([160, 784], 7),
    labels: Int32Array.from({ length: 160 }, (_, i) => (i * 7) % 10),
  };
  const cpu = await trainOn('cpu', undefined, data);
  const gpu = await trainOn('webgpu', cpu.initial, data);
  const lossErr = relError(gpu.losses, cpu.losses);
  const weightErr = Math.max(...gpu.final.map((w, i) => relError(w, cpu.final[i])));
  return [
    {
      name: `MLP 784-64-64-10 SGD, 10 steps of batch 32: losses (${cpu.losses.length})`,
      relError: lossErr,
      pass: lossErr <= TRAIN_TOL,
    },
    { name: 'MLP ... final weights', relError: weightErr, pass: weightErr <= TRAIN_TOL },
  ];
}

// ---------------------------------------------------------------------------------------------
// Benchmarks

/** GFLOP/s of an n x n x n fp32 product (2n^3 flops), waiting for the device each time. */
async function matMulGflops(n, reps, transposeA = false) {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  // Reading one element of the product waits for the whole queue (in-order on the device).
  const once = async (count) => {
    const start = performance.now();
    let c;
    for (let i = 0; i < count; i++) {
      tf.dispose(c);
      c = tf.matMul(a, b, transposeA);
    }
    const corner = tf.slice(c, [0, 0], [1, 1]);
    await corner.data();
    tf.dispose([c, corner]);
    return (performance.now() - start) / 1000;
  };
  await once(1); // warm-up: shader compilation / XNNPACK packing
  const seconds = await once(reps);
  tf.dispose([a, b]);
  return { n, reps, transposeA, seconds, gflops: (2 * n ** 3 * reps) / seconds / 1e9 };
}

const adamCrossEntropy = (model) =>
  model.compile({
    optimizer: tf.train.adam(1e-3),
    loss: (y, z) => tf.losses.softmaxCrossEntropy(y, z),
  });

/** The paper's MNIST MLP: 784 -> 1024 x 3 (leaky ReLU) -> 10 logits, Adam 1e-3. */
function paperMlp() {
  const model = tfl.sequential();
  for (let i = 0; i < 3; i++) {
    model.add(tfl.layers.dense({ units: 1024, ...(i === 0 ? { inputShape: [784] } : {}) }));
    model.add(tfl.layers.leakyReLU());
  }
  model.add(tfl.layers.dense({ units: 10 }));
  adamCrossEntropy(model);
  return model;
}

/**
 * The paper's CIFAR CNN: 3x3 convolutions with 32, 64, 64 filters ('valid'), each followed by
 * leaky ReLU and 2x2 max-pooling with stride 1; dense 256, 128 (leaky ReLU), 10 logits; Adam.
 */
function paperCnn() {
  const model = tfl.sequential();
  for (const [i, filters] of [32, 64, 64].entries()) {
    const first = i === 0 ? { inputShape: [32, 32, 3] } : {};
    model.add(tfl.layers.conv2d({ filters, kernelSize: 3, ...first }));
    model.add(tfl.layers.leakyReLU());
    model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 1 }));
  }
  model.add(tfl.layers.flatten());
  for (const units of [256, 128]) {
    model.add(tfl.layers.dense({ units }));
    model.add(tfl.layers.leakyReLU());
  }
  model.add(tfl.layers.dense({ units: 10 }));
  adamCrossEntropy(model);
  return model;
}

const MODELS = {
  mlp: { build: paperMlp, inputShape: [784] },
  cnn: { build: paperCnn, inputShape: [32, 32, 3] },
};

/** Forward multiply-adds of the MLP per example, x2 flops, x3 for forward + two backward products. */
const MLP_TRAIN_FLOPS = 3 * 2 * (784 * 1024 + 2 * 1024 * 1024 + 1024 * 10);

/**
 * Training examples/s on one fixed batch. `loop: 'trainOnBatch'` is what tfjs-layers' fit does
 * (every step awaits its loss, a device-to-host read); `loop: 'minimize'` runs
 * `optimizer.minimize` and reads the loss once at the end (no per-step synchronization).
 */
async function trainThroughput(kind, { batch, steps, warmup, loop = 'trainOnBatch' }) {
  const { build, inputShape } = MODELS[kind];
  const model = build();
  const x = tf.randomNormal([batch, ...inputShape], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 4), 10);
  const lossOf = () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }));
  const step = async (read) => {
    if (loop === 'trainOnBatch') return model.trainOnBatch(x, y);
    const loss = model.optimizer.minimize(lossOf, true);
    if (read) await loss.data();
    tf.dispose(loss);
  };
  for (let i = 0; i < warmup; i++) await step(true);
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step(i === steps - 1);
  const seconds = (performance.now() - start) / 1000;
  tf.dispose([x, y]);
  model.dispose();
  const examplesPerSecond = (steps * batch) / seconds;
  const gflops = kind === 'mlp' ? (examplesPerSecond * MLP_TRAIN_FLOPS) / 1e9 : undefined;
  return { kind, loop, batch, steps, seconds, examplesPerSecond, gflops };
}

const describeRun = (r) =>
  `${r.kind.toUpperCase()} batch ${r.batch} ${r.loop}: ${r.examplesPerSecond.toFixed(0)} examples/s` +
  (r.gflops !== undefined ? ` (${r.gflops.toFixed(1)} GFLOP/s)` : '') +
  ` [${r.steps} steps in ${r.seconds.toFixed(2)} s]`;

/** Per backend: matmul size/reps and training steps, sized so slow backends end in seconds. */
const BENCH_PLAN = {
  webgpu: { n: 2048, reps: 20, mlp: [50, 5], cnn: [20, 3] },
  // A software adapter (lavapipe) runs on the CPU cores: plan it like wasm.
  'webgpu-software': { n: 1024, reps: 3, mlp: [5, 2], cnn: [1, 1] },
  wasm: { n: 2048, reps: 3, mlp: [10, 2], cnn: [3, 1] },
  // The cpu backend trains the CNN at ~0.2 examples/s (issue #3): not run.
  cpu: { n: 1024, reps: 1, mlp: [2, 1], cnn: undefined },
};

async function bench(backends, software) {
  const rows = [];
  for (const backend of backends) {
    const plan = BENCH_PLAN[backend === 'webgpu' && software ? 'webgpu-software' : backend];
    if (plan === undefined) usage(`no bench plan for backend '${backend}'`);
    try {
      await use(backend);
      const row = { backend };
      row.matmul = await matMulGflops(plan.n, plan.reps);
      row.matmulT = await matMulGflops(plan.n, plan.reps, true);
      console.log(
        `  ${backend.padEnd(7)} matmul ${plan.n}³ ${row.matmul.gflops.toFixed(1)} GFLOP/s,` +
          ` Aᵀ·B ${row.matmulT.gflops.toFixed(1)} GFLOP/s`,
      );
      const [steps, warmup] = plan.mlp;
      row.mlp = await trainThroughput('mlp', { batch: 128, steps, warmup });
      const share = (100 * row.mlp.gflops) / row.matmul.gflops;
      console.log(`          ${describeRun(row.mlp)}; ${share.toPrecision(2)}% of its matmul`);
      if (plan.cnn !== undefined) {
        const [cnnSteps, cnnWarmup] = plan.cnn;
        row.cnn = await trainThroughput('cnn', { batch: 128, steps: cnnSteps, warmup: cnnWarmup });
        console.log(`          ${describeRun(row.cnn)}`);
      }
      rows.push(row);
    } catch (error) {
      rows.push({ backend, error: firstLine(error) });
      console.log(`  ${backend.padEnd(7)} failed: ${firstLine(error)}`);
    }
  }
  return rows;
}

/** Milliseconds of one tiny op plus a 1-element read, i.e. one device round trip. */
async function roundTripMs(n) {
  const a = tf.randomNormal([4, 4], 0, 1, 'float32', 5);
  const once = async () => {
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const b = tf.add(a, i);
      await b.data();
      b.dispose();
    }
    return (performance.now() - start) / n;
  };
  await once();
  const ms = await once();
  a.dispose();
  return ms;
}

/**
 * Where an MLP step's time goes on webgpu: the device round trip, kernels launched per step,
 * throughput against batch size (a per-step fixed cost shows as throughput growing with the
 * batch), and the loop without per-step reads.
 */
async function profile(software) {
  await use('webgpu');
  // A [4,4] add would otherwise run on the CPU (WEBGPU_CPU_FORWARD).
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  const out = { roundTripMs: await roundTripMs(200) };
  tf.env().set('WEBGPU_CPU_FORWARD', true);
  const model = paperMlp();
  const x = tf.randomNormal([128, 784], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32', 4), 10);
  await model.trainOnBatch(x, y);
  const info = await tf.profile(() => model.trainOnBatch(x, y));
  out.kernelsPerMlpStep = info.kernels.length;
  tf.dispose([x, y]);
  model.dispose();
  console.log(
    `  webgpu round trip (tiny op + 1-element read): ${out.roundTripMs.toFixed(3)} ms;` +
      ` kernels per MLP trainOnBatch step: ${out.kernelsPerMlpStep}`,
  );
  const scale = software ? 0.1 : 1;
  out.runs = [];
  for (const [batch, loop, steps] of [
    [128, 'trainOnBatch', 30],
    [128, 'minimize', 30],
    [1024, 'trainOnBatch', 20],
    [4096, 'trainOnBatch', 10],
    [4096, 'minimize', 10],
  ]) {
    const run = await trainThroughput('mlp', {
      batch,
      loop,
      steps: Math.max(1, Math.round(steps * scale)),
      warmup: 2,
    });
    const msPerStep = (1000 * run.seconds) / run.steps;
    out.runs.push({ ...run, msPerStep });
    console.log(`  ${describeRun(run)}; ${msPerStep.toFixed(1)} ms/step`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const found = await findAdapter();
  if (found.why !== undefined) {
    console.log(`no usable WebGPU adapter: ${found.why}`);
    return finish(2, { adapter: null, why: found.why });
  }
  report.adapter = { ...found.info, software: found.software };
  console.log(
    `adapter: ${JSON.stringify(found.info)} -> ${found.software ? 'SOFTWARE' : 'hardware'}`,
  );
  if (found.software && !args.allowSoftware) {
    const why =
      'only a software adapter was found (pass --allow-software to run on it anyway); ' +
      'resolveBackend must not pick webgpu automatically here';
    console.log(why);
    return finish(2, { why });
  }

  installNavigatorGpu(found.gpu);
  tf = await importPackage('@tensorflow/tfjs-core');
  tfl = await importPackage('@tensorflow/tfjs-layers');
  await importPackage('@tensorflow/tfjs-backend-cpu');
  // Registers 'webgpu' only if navigator.gpu exists when it is first imported.
  await importPackage('@tensorflow/tfjs-backend-webgpu');
  if (args.backends.includes('wasm')) await loadWasm();
  report.tfjs = tf.version_core;
  for (const pair of args.tfFlags) {
    const [name, raw] = pair.split('=');
    const value = raw === 'true' ? true : raw === 'false' ? false : Number(raw);
    tf.env().set(name, value);
  }
  report.tfFlags = args.tfFlags;
  report.dawnOptions = args.dawn;
  await use('webgpu');
  console.log(`tfjs ${tf.version_core}, node ${process.version}; backend webgpu initialized`);

  let failed = false;
  if (args.checks) {
    // Small ops with CPU-resident inputs would otherwise run on the CPU (WEBGPU_CPU_FORWARD).
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    console.log(`\ncorrectness, webgpu vs cpu (normwise relative error; op tol ${OP_TOL})`);
    const checks = [...(await opChecks()), ...(await trainingCheck())];
    for (const c of checks) {
      console.log(
        `  ${c.pass ? 'ok  ' : 'FAIL'} ${c.name.padEnd(58)} ${c.relError.toExponential(2)}`,
      );
    }
    failed = checks.some((c) => !c.pass);
    report.checks = checks;
    report.syncRead = await syncReadCheck();
    console.log(
      `  sync read (tensor.dataSync()) on webgpu: ${report.syncRead.works ? 'works' : `fails, ${report.syncRead.error}`}`,
    );
    report.uqjsSyncRead = await uqjsSyncReadChecks();
    for (const r of report.uqjsSyncRead) {
      console.log(`  ${r.name}: ${r.works ? 'works' : (r.error ?? 'fails')}`);
    }
    tf.env().set('WEBGPU_CPU_FORWARD', true);
  }
  if (args.bench) {
    console.log(`\nbench (${args.backends.join(', ')}); MLP 784-1024x3-10, batch 128, Adam`);
    report.bench = await bench(args.backends, found.software);
  }
  if (args.profile) {
    console.log('\nprofile (webgpu, paper MLP, Adam)');
    report.profile = await profile(found.software);
  }
  return finish(failed ? 1 : 0, {});
}

/** Loads the wasm backend and, where the checkout has it built, uqjs's fast training kernels. */
async function loadWasm() {
  await importPackage('@tensorflow/tfjs-backend-wasm');
  try {
    const { enableFastWasmTraining } = await importPackage('@uqjs/backend');
    report.fastWasmTraining = enableFastWasmTraining().kernels;
    console.log('wasm: @uqjs/backend enableFastWasmTraining() on');
  } catch (error) {
    report.fastWasmTraining = `not loaded: ${firstLine(error)}`;
    console.log(`wasm: stock kernels (@uqjs/backend not loaded: ${firstLine(error)})`);
  }
}

function finish(code, extra) {
  Object.assign(report, extra, { exitCode: code });
  if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  // Dawn keeps the process alive while navigator.gpu is referenced (dawn-gpu/node-webgpu README).
  if (globalThis.navigator !== undefined) delete globalThis.navigator.gpu;
  process.exit(code);
}

await main();
