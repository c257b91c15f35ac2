// Renders the suite's record (compose.mjs) as Markdown tables: what run.mjs prints, and what
// docs/performance.md quotes.

const fixed = (x, digits) => (x === undefined || x === null ? '–' : x.toFixed(digits));
/** Milliseconds with precision that suits their size. */
const ms = (x) => (x === undefined || x === null ? '–' : x.toFixed(x < 10 ? 2 : x < 1000 ? 1 : 0));
const ratio = (x) => (x === undefined || x === null ? '–' : `${x.toFixed(x < 10 ? 2 : 0)}x`);
const int = (x) => (x === undefined || x === null ? '–' : Math.round(x).toLocaleString('en-US'));
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
const pct = (x) => (x === undefined || x === null ? '–' : `${(100 * x).toFixed(0)}%`);

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function headSection(perf) {
  if (perf.head.length === 0) return ''; // not run (--only)
  const rows = perf.head.map((r) => [
    r.backend,
    r.classes,
    int(r.samples),
    ms(r.mcCpuMs),
    ms(r.mcWallMs),
    ms(r.denseCpuMs),
    ms(r.denseWallMs),
    ratio(r.ratioCpu),
    ratio(r.ratioWall),
  ]);
  return [
    '### 1. MC head forward + backward vs a Dense + softmax head (B = 128, D = 1024)',
    '',
    'MCSoftmaxDense (two projections D -> K, S samples, chunks of 1,000, loss logProbNll) against Dense (D -> K) + softmax cross-entropy; gradients for the features and the weights.',
    '',
    table(
      [
        'backend',
        'K',
        'S',
        'MC CPU ms',
        'MC wall ms',
        'Dense CPU ms',
        'Dense wall ms',
        'ratio CPU',
        'ratio wall',
      ],
      rows,
    ),
  ].join('\n');
}

function stepSection(perf) {
  if (perf.step.length === 0) return ''; // not run (--only)
  const groups = new Map();
  for (const r of perf.step) {
    const key = `${r.backend}/${r.model}/${r.batch}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const samples = [...new Set(perf.step.filter((r) => r.samples !== null).map((r) => r.samples))];
  const rows = [...groups.values()].map((rs) => {
    const homo = rs.find((r) => r.samples === null);
    return [
      rs[0].backend,
      rs[0].label,
      rs[0].batch,
      `${ms(homo?.cpuMs)} (${ms(homo?.wallMs)})`,
      ...samples.map((s) => {
        const r = rs.find((x) => x.samples === s);
        return r === undefined ? '–' : `${ratio(r.ratioCpu)} (${ratio(r.ratioWall)})`;
      }),
    ];
  });
  return [
    '### 1b. Training step: heteroscedastic (MCSoftmaxDense) vs homoscedastic (Dense head), Adam',
    '',
    'Step time of the Dense-head model in ms, CPU (wall); ratios of the MC-head step to it, CPU (wall).',
    '',
    table(
      ['backend', 'model', 'batch', 'Dense head step ms', ...samples.map((s) => `S=${s} ratio`)],
      rows,
    ),
  ].join('\n');
}

function noiseSection(perf) {
  const n = perf.noise;
  if (n === undefined) return '';
  const head = perf.head.find(
    (r) => r.backend === perf.backends[0] && r.classes === 10 && r.samples === 1000,
  );
  const share =
    head === undefined
      ? ''
      : ` One draw is ${pct(n.sampleStandardCpuMs / head.mcCpuMs)} of the MC head's forward + backward CPU time at K = 10, S = 1000 (the single chunk is drawn once and kept for the backward pass).`;
  return [
    `### 1c. Noise: [${n.shape.join(', ')}] standard normals (${perf.backends[0]})`,
    '',
    table(
      ['sampler', 'CPU ms', 'wall ms'],
      [
        ['tf.randomNormal', ms(n.randomNormalCpuMs), ms(n.randomNormalWallMs)],
        [
          "@uqjs/noise noiseFamily('normal').sampleStandard (ziggurat)",
          ms(n.sampleStandardCpuMs),
          ms(n.sampleStandardWallMs),
        ],
      ],
    ),
    '',
    `sampleStandard is ${ratio(n.ratioCpu)} faster by CPU time.${share}`,
  ].join('\n');
}

function profileLine(label, p) {
  const top = p.kernels
    .slice(0, 5)
    .map((k) => `${k.kernel} ${fixed(k.ms, 1)}`)
    .join(', ');
  const share = (x) => `${fixed(x, 1)} ms (${pct(x / p.wallMs)})`;
  return [
    label,
    fixed(p.wallMs, 1),
    share(p.groups.productsMs),
    share(p.groups.weightShapedMs),
    share(p.groups.restMs),
    share(p.otherMs),
    top,
  ];
}

function profileSection(perf) {
  const p = perf.profile;
  if (p === undefined) return '';
  return [
    `### 1d. Where the time goes (tf.profile of one call, ${perf.backends[0]})`,
    '',
    'Kernel time split into matrix products, kernels whose output has the shape of a trainable weight (the Adam update, and the bias-gradient sums), the other kernels, and JavaScript outside kernels (the rest of the wall time: noise generation, tfjs bookkeeping).',
    '',
    table(
      [
        'call',
        'wall ms',
        'products',
        'weight-shaped',
        'other kernels',
        'JS outside kernels',
        'top kernels, ms',
      ],
      [
        profileLine('MC head forward + backward, K = 10, S = 1000', p.head),
        profileLine('MLP training step, Dense head, batch 128', p.mlpStep),
        profileLine('MLP training step, MCSoftmaxDense S = 1000, batch 128', p.mcStep),
      ],
    ),
  ].join('\n');
}

function memorySection(perf) {
  if (perf.memory.length === 0) return ''; // not run (--only)
  const cell = (m) =>
    m === undefined
      ? 'not run'
      : m.error === undefined
        ? `${mib(m.peakBytes)} (${fixed(m.wallMs / 1000, 1)} s)`
        : `failed: ${m.error}`;
  const samples = [...new Set(perf.memory.map((m) => m.samples))].sort((a, b) => a - b);
  const rows = samples.map((s) => {
    const at = (chunk) =>
      perf.memory.find((m) => m.samples === s && m.maxSamplesInMemory === chunk);
    return [int(s), cell(at(Math.min(s, 1000))), s <= 1000 ? 'the same' : cell(at(s))];
  });
  return [
    '### 2. Peak tensor memory of mcSoftmax forward + backward (B = 128, K = 10)',
    '',
    'MiB above the start, from tf.profile (tensor bytes, the same on every backend), and the wall time of the call.',
    '',
    table(['S', 'chunks of 1,000 samples', 'one chunk of S samples'], rows),
  ].join('\n');
}

/**
 * The MLP step at two batch sizes (first backend), CPU time: the line through them,
 * `step = perStep + perExample * batch`, splits off what each step costs whatever its batch.
 */
function perBatchFit(perf) {
  const mlp = perf.training.filter((t) => t.backend === perf.backends[0] && t.model === 'mlp');
  const [small, large] = [...mlp].sort((a, b) => a.batch - b.batch);
  if (small === undefined || large === undefined || small.batch === large.batch) return undefined;
  const stepMs = (t) => (1000 * t.batch) / t.examplesPerCpuSecond;
  const perExample = (stepMs(large) - stepMs(small)) / (large.batch - small.batch);
  const perStep = stepMs(small) - perExample * small.batch;
  const at = `MLP step on ${small.backend} at batches ${small.batch} and ${large.batch} (CPU)`;
  if (perStep < 0) {
    // A larger batch that costs more per example than the line allows: a slow run, not a fit.
    return `${at}: ${fixed(stepMs(small), 1)} and ${fixed(stepMs(large), 1)} ms per step, more than ${large.batch / small.batch}x apart, so no fixed cost per step can be read from this run.`;
  }
  return `${at}: step ms = ${fixed(perStep, 1)} + ${fixed(perExample, 3)} x batch, so ${fixed(perStep, 1)} ms of each step (${pct(perStep / stepMs(small))} at batch ${small.batch}) does not grow with the batch.`;
}

function trainingSection(perf) {
  if (perf.training.length === 0 && Object.keys(perf.matmul).length === 0) return ''; // not run (--only)
  const rows = perf.training.map((t) => [
    t.backend,
    t.label,
    t.batch,
    int(t.examplesPerSecond),
    int(t.examplesPerCpuSecond),
    fixed(t.flopsPerExample / 1e6, 2),
    `${fixed(t.gflopsCpu, 1)} (${fixed(t.gflops, 1)})`,
    `${fixed(t.matmulPeak?.gflopsCpu, 1)} (${fixed(t.matmulPeak?.gflops, 1)})`,
    `${pct(t.fractionOfPeak?.cpu)} (${pct(t.fractionOfPeak?.wall)})`,
    t.fractionOfLayerProducts === undefined
      ? '–'
      : `${pct(t.fractionOfLayerProducts.cpu)} (${pct(t.fractionOfLayerProducts.wall)})`,
  ]);
  const products = Object.values(perf.matmul).flatMap((m) =>
    m.products.map((p) => [
      m.backend + (m.simd === undefined ? '' : ` (SIMD ${m.simd}, threads ${m.threads})`),
      p.name,
      fixed(p.gflopsCpu, 2),
      fixed(p.gflops, 2),
    ]),
  );
  const workers = perf.workers?.runs ?? [];
  const fixedCost = perBatchFit(perf);
  const one = workers.find((w) => w.workers === 1);
  const two = workers.find((w) => w.workers === 2);
  return [
    "### 3. Training throughput and the backend's own fp32 matmul",
    '',
    'Examples/s of the Dense-head step of 1b. GFLOP/s count the matrix products and convolutions only (forward, weight and input gradients; no input gradient for the first layer). Values CPU (wall).',
    '',
    table(
      [
        'backend',
        'model',
        'batch',
        'examples/s',
        'per CPU-s',
        'MFLOP/example',
        'training GFLOP/s',
        'matmul peak GFLOP/s',
        'share of peak',
        "share of the MLP layer's products",
      ],
      rows,
    ),
    ...(fixedCost === undefined ? [] : ['', fixedCost]),
    '',
    table(
      ['backend', 'product (fresh operands, median)', 'GFLOP/s per CPU-s', 'GFLOP/s wall'],
      products,
    ),
    ...(one !== undefined && two !== undefined
      ? [
          '',
          `runInWorkers (packages/backend/bench/workers-throughput.mjs, 8 small MLP training tasks, wall clock including worker start-up): 1 worker ${int(one.examplesPerSecond)} examples/s, 2 workers ${int(two.examplesPerSecond)} examples/s (${ratio(two.examplesPerSecond / one.examplesPerSecond)}).`,
        ]
      : []),
  ].join('\n');
}

/** Issue #3's comparison: the paper's models on cpu, stock wasm and wasm with the kernels. */
function kernelsSection(perf) {
  const k = perf.kernels;
  if (k === undefined) return '';
  const rate = (r) =>
    r.error === undefined
      ? `${fixed(r.perWallSecond, 1)} [${fixed(r.perCpuSecond, 1)}]`
      : 'cannot train';
  const over = (a, b) =>
    a.error === undefined && b.error === undefined
      ? `${ratio(a.perWallSecond / b.perWallSecond)} [${ratio(a.perCpuSecond / b.perCpuSecond)}]`
      : '–';
  const row = (label, m) => [
    label,
    rate(m.cpu),
    rate(m.stockWasm),
    rate(m.fastWasm),
    over(m.fastWasm, m.cpu),
    over(m.fastWasm, m.stockWasm),
  ];
  const { floors } = k;
  return [
    '### 3b. Fast wasm training: `enableFastWasmTraining` + `fusedAdam` against stock wasm + `tf.train.adam`, and cpu',
    '',
    `Examples/s per wall second [per CPU second], batch 128 except the CNN on cpu (one step of batch 2; its cost per example does not depend on the batch) (\`${k.command}\`: stock and fast wasm alternate step by step in one process). Floors of issue #3: wasm with the kernels at least ${floors.mlpOverCpu}x cpu and ${floors.mlpOverStockWasm}x stock wasm on the MLP, at least ${floors.cnnOverCpu}x cpu on the CNN.`,
    '',
    table(
      ['model', 'cpu', 'stock wasm', 'wasm + kernels', 'over cpu', 'over stock wasm'],
      [
        row('MNIST MLP 784-1024x3-10', k.mlp),
        row('CIFAR CNN conv32-64-64, dense 256-128-10', k.cnn),
      ],
    ),
  ].join('\n');
}

function metricsSection(perf) {
  const m = perf.metrics;
  if (m === undefined) return '';
  const c = m.calibration;
  return [
    '### 4. Metrics throughput',
    '',
    `Streaming \`Calibration\` (ECE, MCE, NLL, Brier, accuracy, diagram) over ${int(c.predictions)} x ${c.classes} predictions in ${c.chunks} chunks: ${fixed(c.seconds, 3)} s, ${fixed(c.predictionsPerSecond / 1e6, 2)} M predictions/s (${fixed(c.predictionsPerCpuSecond / 1e6, 2)} M per CPU-s). \`fitTemperature\` on ${int(m.fitTemperature.examples)} x ${m.fitTemperature.classes} logits: ${fixed(m.fitTemperature.seconds, 3)} s.`,
  ].join('\n');
}

/** Issue 23.3: the streaming metrics over 1e7 x 1000 predictions (at-scale.mjs). */
function metricsScaleSection(perf) {
  const s = perf.metricsScale;
  if (s === undefined) return '';
  const row = (name, r) => [
    name,
    fixed(r.rowsPerSecond / 1e6, 3),
    fixed(r.rowsPerCpuSecond / 1e6, 3),
    fixed(r.resultSeconds, 2),
    mib(r.memory.start.rss),
    mib(r.memory.checkpoint.rss),
    mib(r.memory.end.rss),
    `${mib(r.memory.end.rss - r.memory.checkpoint.rss)} (${fixed((r.memory.end.rss - r.memory.checkpoint.rss) / (r.memory.end.rows - r.memory.checkpoint.rows), 2)} B/row)`,
  ];
  const c = s.calibration;
  const o = s.ood;
  const cp = int(c.memory.checkpoint.rows);
  return [
    `### 4b. Metrics at scale: ${int(s.rows)} x ${s.classes} predictions streamed in chunks of ${int(s.chunkRows)}`,
    '',
    `\`packages/metrics/bench/at-scale.mjs\`: ${s.distinctChunks} distinct float32 probability chunks generated once (${fixed(s.generationSeconds, 1)} s, not timed) and reused in rotation with fresh labels, ${fixed(s.inputBytes / 2 ** 30, 1)} GiB of probabilities in all; 1 row in 5 OOD. Rows/s count the update calls; peak process RSS (MiB) sampled after every chunk, at the start of each stream, to ${cp} rows and to the end.`,
    '',
    table(
      [
        'stream',
        'M rows/s',
        'M rows per CPU-s',
        'result() s',
        'RSS at start',
        `peak to ${cp} rows`,
        `peak to ${int(s.rows)} rows`,
        'growth',
      ],
      [
        row('Calibration (equal-width, 15 bins, top-label)', c),
        row('OodDetection (max-prob score per row)', o),
      ],
    ),
    '',
    `Calibration: ECE ${fixed(c.result.ece, 5)} (labels drawn calibrated: near 0), accuracy ${fixed(c.result.accuracy, 4)}. OodDetection: AUROC ${fixed(o.result.auroc, 5)}, FPR95 ${fixed(o.result.fpr95, 5)}; ${int(o.result.in + o.result.out)} scores kept, ${mib(o.storedScoreBytes)} MiB at 8 bytes each (exact metrics).`,
  ].join('\n');
}

/** Issue 23.1: one process, 1 and N wasm threads (threads-throughput.mjs). */
function threadsSection(perf) {
  const t = perf.threads;
  if (t === undefined) return '';
  const rows = Object.entries(t.models).map(([model, m]) => [
    model === 'mlp' ? 'MLP 784-1024x3-10' : 'CIFAR CNN',
    int(m.examplesPerSecond[1]),
    int(m.examplesPerSecond[t.threads]),
    `${fixed(m.ratio, 2)}x`,
    m.ceilingRatio === undefined ? '' : `${fixed(m.ceilingRatio, 2)}x`,
  ]);
  return [
    `### 5b. One process, ${t.threads} threads: \`resolveBackend({ threads })\``,
    '',
    `\`packages/backend/bench/threads-throughput.mjs\`: training examples per wall second (batch 128, Adam) on wasm with 1 thread and with ${t.threads} (the threaded SIMD build, XNNPACK's pool), each arm a child process, alternating, median of ${t.rounds} rounds, ${t.cores} cores. The ceiling is ${t.threads} single-threaded processes training at once (independent work, nothing shared), their examples per second summed against one alone: what the machine's cores give any scheme.`,
    '',
    table(
      ['model', '1 thread', `${t.threads} threads`, 'speed-up', `${t.threads} processes (ceiling)`],
      rows,
    ),
  ].join('\n');
}

function extrasSection(perf) {
  const { sigmoid, datasets, sngp } = perf.extras;
  const lines = [];
  if (sigmoid !== undefined) {
    const heads = sigmoid.heads.map((h) => `${h.name} ${ms(h.cpuMs)} ms`).join(', ');
    lines.push(`- Binary heads, forward + backward, B = 128 (${sigmoid.backend}, CPU): ${heads}.`);
  }
  if (datasets !== undefined) {
    lines.push(
      `- CIFAR-10 (synthetic files, full size): load ${fixed(datasets.loadSeconds, 2)} s; shuffled batches of 128: ${int(datasets.arrayBatchesImagesPerSecond)} images/s as typed arrays, ${int(datasets.wasmTensorBatchesImagesPerSecond)} as wasm tensors.`,
    );
  }
  if (sngp !== undefined) {
    lines.push(
      `- SNGP (${sngp.backend}): one epoch ${fixed(sngp.epoch.ratio, 2)}x the deterministic ResNet's; predictWithCovariance 256 x L=1024 first call ${fixed(sngp.predictWithCovariance.firstSeconds, 2)} s, cached ${fixed(sngp.predictWithCovariance.cachedSeconds, 3)} s.`,
    );
  }
  return lines.length === 0 ? '' : ['### Other costs', '', ...lines].join('\n');
}

function targetsSection(perf) {
  const verdict = (p) => (p === null ? 'not measured' : p ? '**met**' : '**missed**');
  const share = (x) => `${(100 * x).toFixed(1)}%`;
  const show = (t, v) =>
    v === null
      ? '–'
      : t.id === 'mlp-fraction-of-matmul-peak'
        ? share(v)
        : t.unit !== undefined
          ? `${v.toFixed(2)} ${t.unit}`
          : `${v.toFixed(3)}x`;
  const rows = perf.targets.map((t) => [
    t.description,
    t.backend,
    show(t, t.valueCpu),
    show(t, t.valueWall),
    `${t.comparison} ${t.id === 'mlp-fraction-of-matmul-peak' ? share(t.limit) : t.unit !== undefined ? `${t.limit} ${t.unit}` : `${t.limit}x`}`,
    verdict(t.pass),
  ]);
  return [
    '### Targets (each a ratio from this run; judged on CPU time)',
    '',
    table(['target', 'backend', 'CPU', 'wall', 'limit', 'result'], rows),
  ].join('\n');
}

function runSection(perf) {
  const failed = perf.jobs.filter((j) => !j.ok);
  return [
    `Machine: ${perf.machine.cpuModel}, ${perf.machine.cores} cores, ${perf.machine.memoryGiB} GiB; Node ${perf.machine.node}; tfjs ${perf.machine.tfjs}; load average ${perf.machine.loadStart.join(' ')} at the start, ${perf.machine.loadEnd.join(' ')} at the end. Mode: ${perf.mode}; ${perf.durationSeconds.toFixed(0)} s. Commit ${perf.commit}.`,
    '',
    "Times are medians; CPU = this process's CPU time (tfjs cpu and wasm compute on the main thread, so on a shared machine it is the steadier measure), wall = elapsed time.",
    ...(perf.notes.length > 0 ? ['', 'Not run:', ...perf.notes.map((n) => `- ${n}`)] : []),
    ...(failed.length > 0
      ? [
          '',
          ...failed.map(
            (j) => `- ${j.optional ? 'Could not run' : 'FAILED'}: ${j.title}: ${j.error}`,
          ),
        ]
      : []),
  ].join('\n');
}

/** The whole report. */
export function renderReport(perf) {
  return [
    `## uqjs performance suite (${perf.mode})`,
    runSection(perf),
    headSection(perf),
    stepSection(perf),
    noiseSection(perf),
    profileSection(perf),
    memorySection(perf),
    trainingSection(perf),
    kernelsSection(perf),
    metricsSection(perf),
    metricsScaleSection(perf),
    threadsSection(perf),
    extrasSection(perf),
    targetsSection(perf),
  ]
    .filter((s) => s !== '')
    .join('\n\n');
}
