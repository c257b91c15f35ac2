// Composes the children's results (see plan.mjs) into the suite's record, perf.json, and
// evaluates the targets on it.

/** The targets; `value(perf, backend)` gives `{ cpu, wall }` or undefined. */
const TARGETS = [
  {
    id: 'mlp-step-s100',
    description: 'MLP training step, MCSoftmaxDense S=100 / Dense head',
    limit: 1.1,
    atMost: true,
    perBackend: true,
    value: (perf, backend) => stepRatio(perf, backend, 100),
  },
  {
    id: 'mlp-step-s1000',
    description: 'MLP training step, MCSoftmaxDense S=1000 / Dense head',
    limit: 1.4,
    atMost: true,
    perBackend: true,
    value: (perf, backend) => stepRatio(perf, backend, 1000),
  },
  {
    id: 'chunked-memory',
    description: 'peak memory, S=100,000 in chunks of 1,000 / S=1,000',
    limit: 1.5,
    atMost: true,
    perBackend: false,
    value: (perf) => {
      const chunked = (s) =>
        perf.memory.find((m) => m.samples === s && m.maxSamplesInMemory === 1000)?.peakBytes;
      const [small, large] = [chunked(1000), chunked(100_000)];
      if (small === undefined || large === undefined) return undefined;
      return { cpu: large / small, wall: large / small };
    },
  },
  {
    id: 'mlp-fraction-of-matmul-peak',
    description: "MLP training GFLOP/s / the backend's fp32 matmul peak",
    limit: 0.5,
    atMost: false,
    perBackend: true,
    value: (perf, backend) => {
      const t = perf.training.find(
        (r) => r.backend === backend && r.model === 'mlp' && r.batch === 128,
      );
      return t?.fractionOfPeak;
    },
  },
  // Issue 23.2: the round-1 limits above, tightened, on wasm (the backend of the fused kernels).
  {
    id: 'mlp-step-s100-fused',
    description: 'MLP training step, MCSoftmaxDense S=100 / Dense head (issue 23.2)',
    limit: 1.03,
    atMost: true,
    perBackend: false,
    backendLabel: 'wasm',
    value: (perf) => stepRatio(perf, 'wasm', 100),
  },
  {
    id: 'mlp-step-s1000-fused',
    description: 'MLP training step, MCSoftmaxDense S=1000 / Dense head (issue 23.2)',
    limit: 1.15,
    atMost: true,
    perBackend: false,
    backendLabel: 'wasm',
    value: (perf) => stepRatio(perf, 'wasm', 1000),
  },
  // Issue 23.3: growth of the peak RSS from the checkpoint (1e6 rows) to the end (1e7).
  {
    id: 'metrics-scale-calibration-memory',
    description:
      'streaming Calibration at 1e7 x 1000 (bounded memory): peak RSS growth from 1e6 to 1e7 rows (quick: 2e4 to 1e5)',
    limit: 16,
    unit: 'MiB',
    atMost: true,
    perBackend: false,
    backendLabel: 'JS (no tensors)',
    value: (perf) => scaleGrowth(perf, 'calibration', (bytes) => bytes / 2 ** 20),
  },
  {
    // 8 bytes per kept score, arrays that double: at most 16 reserved, 24 while one grows.
    id: 'metrics-scale-ood-bytes-per-row',
    description:
      'streaming OodDetection at 1e7 x 1000 (bounded memory per row, not per class): peak RSS growth per row from 1e6 to 1e7 rows (quick: 2e4 to 1e5)',
    limit: 24,
    unit: 'B/row',
    atMost: true,
    perBackend: false,
    backendLabel: 'JS (no tensors)',
    value: (perf) => scaleGrowth(perf, 'ood', (bytes, rows) => bytes / rows),
  },
  // Issue 23.1: threads save wall time, not CPU time, so this one is a wall-clock ratio.
  {
    id: 'wasm-threads-mlp',
    description:
      'MLP training, wasm with 2 threads / 1 thread in one process (wall clock: threads save wall time, not CPU time)',
    limit: 1.7,
    atMost: false,
    perBackend: false,
    backendLabel: 'wasm',
    value: (perf) => {
      const ratio = perf.threads?.models?.mlp?.ratio;
      return ratio === undefined ? undefined : { cpu: ratio, wall: ratio };
    },
  },
];

/** `{ cpu, wall }` (both the same) of `unit(rssGrowth, rows)` between checkpoint and end. */
function scaleGrowth(perf, key, unit) {
  const m = perf.metricsScale?.[key]?.memory;
  if (m === undefined) return undefined;
  const v = unit(m.end.rss - m.checkpoint.rss, m.end.rows - m.checkpoint.rows);
  return { cpu: v, wall: v };
}

function stepRatio(perf, backend, samples) {
  const row = perf.step.find(
    (r) => r.backend === backend && r.model === 'mlp' && r.batch === 128 && r.samples === samples,
  );
  return row === undefined ? undefined : { cpu: row.ratioCpu, wall: row.ratioWall };
}

/** Target rows: measured values (CPU-time basis decides; wall shown beside), limit, verdict. */
function evaluateTargets(perf, backends) {
  return TARGETS.flatMap((t) =>
    (t.perBackend ? backends : [backends[0]]).map((backend) => {
      const value = t.value(perf, backend);
      const pass =
        value === undefined ? null : t.atMost ? value.cpu <= t.limit : value.cpu >= t.limit;
      return {
        id: t.id,
        description: t.description,
        backend: t.perBackend ? backend : (t.backendLabel ?? 'any (tensor bytes)'),
        unit: t.unit,
        limit: t.limit,
        comparison: t.atMost ? '<=' : '>=',
        valueCpu: value?.cpu ?? null,
        valueWall: value?.wall ?? null,
        pass,
      };
    }),
  );
}

/**
 * Training throughput per backend and model (the Dense-head step of the step jobs) next to the
 * backend's matmul: training GFLOP/s over the matmul peak and over the MLP layer's own products.
 */
function trainingRows(step, matmul) {
  return step
    .filter((r) => r.samples === null)
    .map((r) => {
      const mm = matmul[r.backend];
      const over = (ref) =>
        mm === undefined
          ? undefined
          : { cpu: r.gflopsCpu / ref.gflopsCpu, wall: r.gflops / ref.gflops };
      return {
        backend: r.backend,
        model: r.model,
        label: r.label,
        batch: r.batch,
        examplesPerSecond: r.examplesPerSecond,
        examplesPerCpuSecond: r.examplesPerCpuSecond,
        flopsPerExample: r.flopsPerExample,
        gflops: r.gflops,
        gflopsCpu: r.gflopsCpu,
        matmulPeak: mm?.peak,
        fractionOfPeak: mm === undefined ? undefined : over(mm.peak),
        fractionOfLayerProducts:
          r.model === 'mlp' && mm !== undefined ? over(mm.layerMix) : undefined,
      };
    });
}

/**
 * The record of one run. `results` maps job ids to `runJob` answers; `meta` describes the run.
 */
export function compose(results, jobs, meta) {
  const data = (id) => (results.get(id)?.ok ? results.get(id).data : undefined);
  const { backends } = meta;
  const tagged = (id, key, backend) => (data(id)?.[key] ?? []).map((row) => ({ backend, ...row }));
  const matmul = Object.fromEntries(
    backends.filter((b) => data(`matmul-${b}`) !== undefined).map((b) => [b, data(`matmul-${b}`)]),
  );
  const unchunked = results.get('memory-unchunked-100k');
  const memory = [
    ...(data('memory')?.memory ?? []),
    ...(data('memory-unchunked-100k')?.memory ??
      (unchunked === undefined
        ? []
        : [
            { classes: 10, samples: 100_000, maxSamplesInMemory: 100_000, error: unchunked.error },
          ])),
  ];
  const step = backends.flatMap((b) => [
    ...tagged(`step-mlp-${b}`, 'step', b),
    ...tagged(`step-mlp-b1024-${b}`, 'step', b),
    ...tagged(`step-cnn-${b}`, 'step', b),
  ]);
  const perf = {
    ...meta,
    jobs: jobs.map((j) => ({
      id: j.id,
      title: j.title,
      command: ['node', j.script, ...j.args].join(' '),
      ok: results.get(j.id)?.ok ?? false,
      optional: j.optional,
      seconds: results.get(j.id)?.seconds,
      error: results.get(j.id)?.error,
    })),
    head: backends.flatMap((b) => tagged(`head-${b}`, 'head', b)),
    step,
    noise: data(`head-${backends[0]}`)?.noise,
    profile: data(`head-${backends[0]}`)?.profile,
    memory,
    matmul,
    training: trainingRows(step, matmul),
    workers: data('workers'),
    kernels: data('kernels'),
    metrics: data('metrics'),
    metricsScale: data('metrics-scale'),
    threads: data('threads'),
    extras: { sigmoid: data('sigmoid'), datasets: data('datasets'), sngp: data('sngp') },
  };
  perf.targets = evaluateTargets(perf, backends);
  return perf;
}
