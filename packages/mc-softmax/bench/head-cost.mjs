// Cost of the Monte Carlo softmax head, measured side by side in one run.
//
//   node packages/mc-softmax/bench/head-cost.mjs [--backend wasm] [--reps 5]
//     [--sections head,step,memory,noise,profile,factor] [--json FILE]
//
// Needs the built packages (core, noise, backend, mc-softmax: `npx tsc -p tsconfig.build.json`
// in each). The backend comes from @uqjs/backend's resolveBackend, so `wasm` has the fast
// training kernels (enableFastWasmTraining). Sections (all by default):
//  head    forward + backward of an MCSoftmaxDense head (loss logProbNll) against a Dense +
//          softmax cross-entropy head on the same features [B=128, D=1024], for each K in
//          --classes (10,100) and S in --samples (1,10,100,1000,10000); gradients with respect
//          to the features and the head's weights.
//  step    a whole training step (trainOnBatch, Adam, batch 128) of the paper's models from
//          packages/backend/bench/models.mjs (--models mlp,cnn) with their Dense head and with
//          MCSoftmaxDense at S in --step-samples (100,1000), interleaved step by step; the
//          homoscedastic step also gives the training throughput (examples/s). --step-batch
//          changes the batch of this section (default 128), --step-reps its rounds.
//          --element-wise adds, for each S, an arm with @uqjs/backend's fused MC softmax kernels
//          unregistered during its steps (the element-wise path), interleaved with the others.
//  memory  peak tensor memory (tf.profile, bytes above the start) of forward + backward of
//          mcSoftmax at B=128, K=10: chunks of 1,000 samples for S in --memory-samples
//          (1000,10000,100000), one chunk of all S for S in --unchunked (10000).
//  noise   drawing [S=1000, 128, 10] standard normals: tf.randomNormal against
//          noiseFamily('normal').sampleStandard (@uqjs/noise).
//  profile kernel time by kernel (tf.profile) of one MC head forward + backward (K=10) and
//          of one MLP training step with the Dense head and with MCSoftmaxDense, both at S in
//          --profile-samples (1000), split into products, weight-shaped kernels (Adam) and
//          the rest.
//  factor  forward + backward of mcSoftmax against mcSoftmaxFactor (R=6) at S = 100, 1000.
// Times are medians over --reps rounds of the process CPU time (tfjs cpu and wasm compute on
// this one thread, so CPU time is the work itself, whatever else runs on the machine) and of
// the wall time. Ratios are of those medians; the arms alternate round by round, so a change
// in machine load hits them alike.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { logProbNll, MCSoftmaxDense, mcSoftmax, mcSoftmaxFactor } from '@uqjs/mc-softmax';
import { noiseFamily } from '@uqjs/noise';
import {
  median,
  numberList,
  quartiles,
  timed,
  useBackend,
  writeJson,
} from '../../../tools/perf/bench-kit.mjs';
import { adam, cnn, mlp, randomBatch } from '../../backend/bench/models.mjs';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    reps: { type: 'string', default: '5' },
    sections: { type: 'string', default: 'head,step,memory,noise,profile,factor' },
    classes: { type: 'string', default: '10,100' },
    samples: { type: 'string', default: '1,10,100,1000,10000' },
    models: { type: 'string', default: 'mlp,cnn' },
    'step-samples': { type: 'string', default: '100,1000' },
    'step-reps': { type: 'string' },
    'profile-samples': { type: 'string', default: '1000' },
    'step-batch': { type: 'string', default: '128' },
    'element-wise': { type: 'boolean', default: false },
    'memory-samples': { type: 'string', default: '1000,10000,100000' },
    unchunked: { type: 'string', default: '10000' },
    json: { type: 'string' },
  },
});
const reps = Number(flags.reps);
const sections = new Set(flags.sections.split(','));
const B = 128;
const D = 1024; // features into the head: the width of the paper's MNIST MLP
const CHUNK = 1000; // the heads' default maxSamplesInMemory

const backend = await useBackend(flags.backend);
const result = {
  backend: backend.name,
  provider: backend.provider,
  fastWasmTraining: backend.fastWasmTraining,
  reps,
};
console.log(
  `backend ${backend.name} (${backend.provider}${backend.fastWasmTraining ? ', fast wasm training kernels' : ''}); medians of ${reps} rounds`,
);

const ms = (x) => x.toFixed(x < 10 ? 2 : 1);

/**
 * Times each arm's `run` (sync or async) in `rounds` alternating rounds after `warmups`
 * untimed calls each (the first builds layers and kernels). An arm whose call is shorter than
 * `minMs` is called several times per round (the count fixed from the last warm-up), so fast
 * arms are not lost in timer noise. Adds `cpuMs` and `wallMs` (per call, medians over rounds).
 */
async function race(arms, rounds, { minMs = 50, warmups = 2 } = {}) {
  for (const arm of arms) {
    let warm;
    for (let i = 0; i < warmups; i++) warm = await timed(arm.run);
    arm.calls = Math.max(1, Math.min(100, Math.ceil(minMs / Math.max(warm.cpuMs, 0.01))));
    arm.cpu = [];
    arm.wall = [];
  }
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the next arm, so no arm always follows the same one.
    for (const arm of [...arms.slice(round % arms.length), ...arms.slice(0, round % arms.length)]) {
      const time = await timed(async () => {
        for (let i = 0; i < arm.calls; i++) await arm.run();
      });
      arm.cpu.push(time.cpuMs / arm.calls);
      arm.wall.push(time.wallMs / arm.calls);
    }
  }
  for (const arm of arms) {
    arm.cpuMs = median(arm.cpu);
    arm.wallMs = median(arm.wall);
  }
  return arms;
}

/** One-hot labels `[B, K]` from a seeded uniform draw. */
function labels(numClasses, seed) {
  return tf.tidy(() =>
    tf.cast(tf.oneHot(tf.randomUniform([B], 0, numClasses, 'int32', seed), numClasses), 'float32'),
  );
}

/**
 * Forward + backward of `loss(layer.apply(h))` with respect to the features `h` and the
 * layer's trainable weights, with every gradient read back. Builds the layer on first use.
 */
function gradientStep(layer, h, loss) {
  return () => {
    const { value, grads } = tf.variableGrads(
      () => loss(layer.apply(h, { training: true })),
      [h, ...layer.trainableWeights.map((w) => w.read())],
    );
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

/** An MC softmax head layer and a Dense + softmax head layer for `numClasses`, as run() arms. */
function headArms(numClasses, samplesList, h) {
  const y = labels(numClasses, 6);
  const dense = tfl.layers.dense({
    units: numClasses,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: 20 }),
  });
  const arms = [
    {
      samples: null,
      layer: dense,
      run: gradientStep(dense, h, (logits) => tf.losses.softmaxCrossEntropy(y, logits)),
    },
  ];
  for (const samples of samplesList) {
    const head = new MCSoftmaxDense({ numClasses, trainSamples: samples, seed: 30 });
    arms.push({
      samples,
      layer: head,
      run: gradientStep(head, h, (logProbs) => tf.mean(logProbNll(y, logProbs))),
    });
  }
  return { arms, dispose: () => tf.dispose([y, ...arms.flatMap((a) => a.layer.getWeights())]) };
}

if (sections.has('head')) {
  result.head = [];
  const h = tf.variable(tf.randomNormal([B, D], 0, 1, 'float32', 1));
  for (const numClasses of numberList(flags.classes, 'classes')) {
    const { arms, dispose } = headArms(numClasses, numberList(flags.samples, 'samples'), h);
    await race(arms, reps);
    const [dense, ...mc] = arms;
    console.log(
      `head forward+backward B=${B} D=${D} K=${numClasses}: Dense+softmax CPU ${ms(dense.cpuMs)} ms, wall ${ms(dense.wallMs)} ms`,
    );
    for (const arm of mc) {
      const row = {
        classes: numClasses,
        samples: arm.samples,
        mcCpuMs: arm.cpuMs,
        mcWallMs: arm.wallMs,
        denseCpuMs: dense.cpuMs,
        denseWallMs: dense.wallMs,
        ratioCpu: arm.cpuMs / dense.cpuMs,
        ratioWall: arm.wallMs / dense.wallMs,
      };
      result.head.push(row);
      console.log(
        `  MCSoftmaxDense S=${arm.samples}: CPU ${ms(arm.cpuMs)} ms (${row.ratioCpu.toFixed(1)}x), wall ${ms(arm.wallMs)} ms (${row.ratioWall.toFixed(1)}x)`,
      );
    }
    dispose();
  }
  h.dispose();
}

/**
 * Multiply-adds per example of the Dense and Conv2D layers of `model` in one forward pass:
 * `in * out` for Dense, `outH * outW * kh * kw * inC * outC` for Conv2D.
 */
function layerMacs(model) {
  return model.layers.map((layer) => {
    const className = layer.getClassName();
    if (className === 'Dense') return layer.kernel.shape[0] * layer.kernel.shape[1];
    if (className === 'Conv2D') {
      const [kh, kw, inC, outC] = layer.kernel.shape;
      const [, outH, outW] = layer.outputShape;
      return outH * outW * kh * kw * inC * outC;
    }
    return 0;
  });
}

/**
 * Floating-point operations per example of one training step in the matrix products and
 * convolutions: forward, weight gradient and input gradient (2 flops per multiply-add each),
 * except the first layer's input gradient, which tfjs does not compute (its input is data).
 */
function trainingFlopsPerExample(model) {
  const macs = layerMacs(model).filter((m) => m > 0);
  const total = macs.reduce((a, b) => a + b, 0);
  return 2 * (3 * total - macs[0]);
}

/** The model `build()` returns with its last (Dense) layer replaced by MCSoftmaxDense. */
function withMcHead(build, samples) {
  const base = build();
  // The features [B, F] into the base model's Dense output layer.
  const features = base.layers[base.layers.length - 2].output;
  const head = new MCSoftmaxDense({ numClasses: 10, trainSamples: samples, seed: 30 });
  const model = tfl.model({ inputs: base.inputs, outputs: head.apply(features) });
  model.compile({ optimizer: adam(), loss: logProbNll });
  return model;
}

/** The fused kernels of the MC engine's softmax path, registered by enableFastWasmTraining. */
const FUSED_KERNELS = ['UqjsSoftmaxLogMeanExp', 'UqjsSoftmaxLogMeanExpGrad'];

/** Runs `f` (async) with the fused kernels unregistered, so the engine takes the element-wise path. */
async function elementWise(f) {
  const configs = FUSED_KERNELS.map((name) => tf.getKernel(name, tf.getBackend()));
  if (configs.some((c) => c === undefined)) throw new Error('--element-wise: no fused kernels');
  for (const name of FUSED_KERNELS) tf.unregisterKernel(name, tf.getBackend());
  try {
    return await f();
  } finally {
    for (const config of configs) tf.registerKernel(config);
  }
}

const MODELS = {
  mlp: { build: mlp, inputShape: [784], label: 'MNIST MLP 784-1024x3-10' },
  cnn: { build: cnn, inputShape: [32, 32, 3], label: 'CIFAR CNN conv32-64-64, dense 256-128-10' },
};

if (sections.has('step')) {
  result.step = [];
  const stepReps = Number(flags['step-reps'] ?? reps);
  const batch = Number(flags['step-batch']);
  for (const name of flags.models.split(',').filter((m) => m !== '')) {
    const spec = MODELS[name];
    if (spec === undefined) throw new Error(`--models: unknown model '${name}'`);
    const { x, y } = randomBatch(batch, spec.inputShape, 5);
    const homoscedastic = spec.build();
    const arms = [
      { samples: null, model: homoscedastic },
      ...numberList(flags['step-samples'], 'step-samples').flatMap((samples) =>
        (flags['element-wise'] ? [false, true] : [false]).map((stock) => ({
          samples,
          stock,
          model: withMcHead(spec.build, samples),
        })),
      ),
    ].map((arm) => ({
      ...arm,
      run: arm.stock
        ? () => elementWise(() => arm.model.trainOnBatch(x, y))
        : () => arm.model.trainOnBatch(x, y),
    }));
    await race(arms, stepReps, { minMs: 0, warmups: 1 });
    const [homo, ...mc] = arms;
    const flopsPerExample = trainingFlopsPerExample(homoscedastic);
    const throughput = {
      model: name,
      label: spec.label,
      batch,
      samples: null,
      cpuMs: homo.cpuMs,
      wallMs: homo.wallMs,
      cpuRoundsMs: homo.cpu,
      examplesPerSecond: (batch * 1000) / homo.wallMs,
      examplesPerCpuSecond: (batch * 1000) / homo.cpuMs,
      flopsPerExample,
      gflops: (flopsPerExample * batch) / homo.wallMs / 1e6,
      gflopsCpu: (flopsPerExample * batch) / homo.cpuMs / 1e6,
    };
    result.step.push(throughput);
    console.log(
      `training step ${spec.label}, batch ${batch}, medians of ${stepReps} rounds; Dense head: CPU ${ms(homo.cpuMs)} ms, wall ${ms(homo.wallMs)} ms ` +
        `(${throughput.examplesPerSecond.toFixed(0)} examples/s, ${throughput.examplesPerCpuSecond.toFixed(0)} per CPU-s; ` +
        `${(flopsPerExample / 1e6).toFixed(2)} MFLOP/example in products and convolutions: ${throughput.gflops.toFixed(1)} GFLOP/s)`,
    );
    for (const arm of mc) {
      const row = {
        model: name,
        label: spec.label,
        batch,
        samples: arm.samples,
        elementWise: arm.stock,
        cpuMs: arm.cpuMs,
        wallMs: arm.wallMs,
        cpuRoundsMs: arm.cpu,
        ratioCpu: arm.cpuMs / homo.cpuMs,
        ratioWall: arm.wallMs / homo.wallMs,
        // Paired: the two arms' steps of the same round (run back to back), so a slow stretch
        // of the machine moves both; the spread of these says how far the ratio can be trusted.
        roundRatioCpuQuartiles: quartiles(arm.cpu.map((cpuMs, r) => cpuMs / homo.cpu[r])),
      };
      result.step.push(row);
      const spread = row.roundRatioCpuQuartiles.map((q) => q.toFixed(3)).join(' / ');
      console.log(
        `  MCSoftmaxDense S=${arm.samples}${arm.stock ? ' element-wise' : ''}: CPU ${ms(arm.cpuMs)} ms (${row.ratioCpu.toFixed(3)}x), wall ${ms(arm.wallMs)} ms (${row.ratioWall.toFixed(3)}x); ` +
          `CPU ratio of each round's pair, quartiles ${spread}`,
      );
    }
    for (const arm of arms) arm.model.dispose();
    tf.dispose([x, y]);
  }
}

/** Peak tensor bytes above the start of forward + backward of mcSoftmax, or the error. */
async function peakMemory(loc, scale, numSamples, maxSamplesInMemory) {
  const start = tf.memory().numBytes;
  let peakBytes = 0;
  try {
    const time = await timed(async () => {
      const info = await tf.profile(() => {
        const g = tf.grads((l, s) =>
          tf.sum(
            mcSoftmax(l, s, { numSamples, maxSamplesInMemory, seed: 7, checkValues: false })
              .logProbs,
          ),
        )([loc, scale]);
        for (const t of g) t.dataSync();
        tf.dispose(g);
      });
      peakBytes = info.peakBytes - start;
    });
    return { peakBytes, ...time };
  } catch (error) {
    return { error: String(error?.message ?? error).split('\n')[0] };
  }
}

if (sections.has('memory')) {
  result.memory = [];
  const loc = tf.randomNormal([B, 10], 0, 1, 'float32', 1);
  const scale = tf.randomUniform([B, 10], 0.1, 2, 'float32', 2);
  const cases = [
    ...numberList(flags['memory-samples'], 'memory-samples').map((s) => [s, Math.min(s, CHUNK)]),
    ...numberList(flags.unchunked, 'unchunked').map((s) => [s, s]),
  ];
  for (const [samples, chunk] of cases) {
    const row = {
      classes: 10,
      samples,
      maxSamplesInMemory: chunk,
      ...(await peakMemory(loc, scale, samples, chunk)),
    };
    result.memory.push(row);
    const what = `peak memory forward+backward B=${B} K=10 S=${samples} in chunks of ${chunk}`;
    console.log(
      row.error === undefined
        ? `${what}: ${(row.peakBytes / 2 ** 20).toFixed(1)} MiB (${(row.wallMs / 1000).toFixed(1)} s)`
        : `${what}: failed: ${row.error}`,
    );
  }
  tf.dispose([loc, scale]);
}

if (sections.has('noise')) {
  const shape = [1000, B, 10];
  const normal = noiseFamily('normal');
  let seed = 0;
  const arms = [
    {
      name: 'tf.randomNormal',
      run: () => tf.randomNormal(shape, 0, 1, 'float32', ++seed).dispose(),
    },
    {
      name: "noiseFamily('normal').sampleStandard",
      run: () => normal.sampleStandard(shape, ++seed).dispose(),
    },
  ];
  await race(arms, reps);
  result.noise = {
    shape,
    randomNormalCpuMs: arms[0].cpuMs,
    randomNormalWallMs: arms[0].wallMs,
    sampleStandardCpuMs: arms[1].cpuMs,
    sampleStandardWallMs: arms[1].wallMs,
    ratioCpu: arms[0].cpuMs / arms[1].cpuMs,
  };
  for (const arm of arms) {
    console.log(
      `noise [${shape.join(', ')}] ${arm.name}: CPU ${ms(arm.cpuMs)} ms, wall ${ms(arm.wallMs)} ms`,
    );
  }
}

/**
 * Kernel time by registered kernel name (tf.profile) of one call of `fn`; composite scopes
 * (e.g. customGrad) are left out, since their kernels are counted themselves. `otherMs` is
 * the rest of the wall time: JavaScript outside kernels (noise generation, tfjs bookkeeping).
 * `groups` splits the kernel time into matrix products, other kernels whose output has the
 * shape of one of `weights` (in a training step: the optimizer's update), and the rest.
 */
async function kernelProfile(fn, weights = []) {
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const weightShapes = new Set(weights.map((w) => w.shape.join('x')));
  const start = performance.now();
  const info = await tf.profile(fn);
  const wallMs = performance.now() - start;
  const byKernel = new Map();
  const groups = { productsMs: 0, weightShapedMs: 0, restMs: 0 };
  for (const k of info.kernels) {
    if (tf.getKernel(k.name, tf.getBackend()) === undefined) continue;
    const entry = byKernel.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
    entry.ms += k.kernelTimeMs;
    entry.calls += 1;
    byKernel.set(k.name, entry);
    const group = ['BatchMatMul', '_FusedMatMul', 'Conv2D', 'FusedConv2D'].includes(k.name)
      ? 'productsMs'
      : weightShapes.has((k.outputShapes[0] ?? []).join('x'))
        ? 'weightShapedMs'
        : 'restMs';
    groups[group] += k.kernelTimeMs;
  }
  const kernels = [...byKernel.values()].sort((a, b) => b.ms - a.ms);
  const kernelMs = kernels.reduce((sum, k) => sum + k.ms, 0);
  return { wallMs, kernelMs, otherMs: wallMs - kernelMs, groups, kernels };
}

function showProfile(label, p) {
  const top = p.kernels
    .slice(0, 6)
    .map((k) => `${k.kernel} ${k.ms.toFixed(1)} (${k.calls})`)
    .join(', ');
  const { productsMs, weightShapedMs, restMs } = p.groups;
  console.log(
    `profile ${label}: wall ${p.wallMs.toFixed(1)} ms = kernels ${p.kernelMs.toFixed(1)} ` +
      `(products ${productsMs.toFixed(1)}, weight-shaped ${weightShapedMs.toFixed(1)}, rest ${restMs.toFixed(1)}) ` +
      `+ other JS ${p.otherMs.toFixed(1)}; top ms (calls): ${top}`,
  );
}

/** Kernel profile of one training step of `model` on a fixed batch, after one warm-up step. */
async function stepProfile(model) {
  const { x, y } = randomBatch(B, [784], 5);
  await model.trainOnBatch(x, y);
  const profile = await kernelProfile(() => model.trainOnBatch(x, y), model.trainableWeights);
  model.dispose();
  tf.dispose([x, y]);
  return profile;
}

if (sections.has('profile')) {
  const profileSamples = numberList(flags['profile-samples'], '--profile-samples');
  const h = tf.variable(tf.randomNormal([B, D], 0, 1, 'float32', 1));
  const { arms, dispose } = headArms(10, profileSamples, h);
  const heads = [];
  for (const arm of arms.slice(1)) {
    arm.run(); // builds the layer, warms the kernels
    heads.push({ samples: arm.samples, ...(await kernelProfile(arm.run)) });
    showProfile(`MC head forward+backward K=10 S=${arm.samples}`, heads.at(-1));
  }
  dispose();
  h.dispose();
  const mlpStep = await stepProfile(mlp());
  showProfile('MLP training step, Dense head', mlpStep);
  const mcSteps = [];
  for (const samples of profileSamples) {
    mcSteps.push({ samples, ...(await stepProfile(withMcHead(mlp, samples))) });
    showProfile(`MLP training step, MCSoftmaxDense S=${samples}`, mcSteps.at(-1));
  }
  // head and mcStep: the first of --profile-samples, as the perf suite's report reads them.
  result.profile = { head: heads[0], mlpStep, mcStep: mcSteps[0], heads, mcSteps };
}

if (sections.has('factor')) {
  result.factor = [];
  const loc = tf.randomNormal([B, 10], 0, 1, 'float32', 1);
  const scale = tf.randomUniform([B, 10], 0.1, 2, 'float32', 2);
  const weights = tf.randomNormal([B, 10], 0, 1, 'float32', 3);
  const loadings = tf.randomNormal([B, 10, 6], 0, 0.3, 'float32', 8);
  const read = (g) => {
    for (const t of g) t.dataSync();
    tf.dispose(g);
  };
  const objective = (logProbs) => tf.sum(tf.mul(logProbs, weights));
  const arms = [100, 1000].flatMap((numSamples) => {
    const opts = { numSamples, seed: 4, checkValues: false };
    return [
      {
        name: `mcSoftmax S=${numSamples}`,
        run: () =>
          read(tf.grads((l, s) => objective(mcSoftmax(l, s, opts).logProbs))([loc, scale])),
      },
      {
        name: `mcSoftmaxFactor R=6 S=${numSamples}`,
        run: () =>
          read(
            tf.grads((l, v, s) => objective(mcSoftmaxFactor(l, v, s, opts).logProbs))([
              loc,
              loadings,
              scale,
            ]),
          ),
      },
    ];
  });
  await race(arms, reps);
  for (const arm of arms) {
    result.factor.push({ name: arm.name, cpuMs: arm.cpuMs, wallMs: arm.wallMs });
    console.log(
      `head forward+backward B=${B} K=10, ${arm.name}: CPU ${ms(arm.cpuMs)} ms, wall ${ms(arm.wallMs)} ms`,
    );
  }
  tf.dispose([loc, scale, weights, loadings]);
}

writeJson(flags.json, result);
