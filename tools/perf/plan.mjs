// Which measurements the perf suite runs, as child processes of the package benchmark scripts:
// one list per mode (quick / full) and set of backends.

/** The packages the MC head benchmark imports (built). */
const MC_HEAD = ['core', 'noise', 'backend', 'mc-softmax'];

/**
 * One measurement: `node <script> ...args` from the repository root. `output: 'json'` jobs get
 * `--json <file>` appended and are read from that file; `'workers'` jobs are read from their
 * printed lines. `needs`: the packages whose built `dist/` the script imports. An `optional`
 * job may fail, or be skipped when a package it needs is not built, without failing the run.
 */
const job = (
  id,
  title,
  script,
  args,
  { needs = MC_HEAD, timeoutS = 300, output = 'json', optional = false } = {},
) => ({ id, title, script, args, needs, timeoutS, output, optional });
const HEAD = 'packages/mc-softmax/bench/head-cost.mjs';

/** Per-backend parameters: what is feasible in time (the cpu backend is ~25x slower than wasm). */
function backendSettings(backend, quick) {
  if (quick) {
    return { headReps: 2, samples: '1,10,100,1000', mlpReps: 3, cnn: false, matmulReps: 3 };
  }
  if (backend === 'cpu') {
    // S = 10,000 would take ~80 s per call at K = 100; the CNN ~75 s per step of batch 2.
    return { headReps: 2, samples: '1,10,100,1000', mlpReps: 2, cnn: false, matmulReps: 2 };
  }
  // mlpReps: ~0.25 s a round; 41 rounds pin the 23.2 step ratios to about +-0.01 (7 moved them
  // by +-0.03 between runs).
  return { headReps: 3, samples: '1,10,100,1000,10000', mlpReps: 41, cnn: true, matmulReps: 5 };
}

/**
 * The jobs of one run, in the order they run (one at a time: the machine has 2 shared cores),
 * and notes on what was left out.
 */
export function planJobs({ quick, backends }) {
  const jobs = [];
  const notes = [];
  for (const backend of backends) {
    const s = backendSettings(backend, quick);
    if (!s.samples.endsWith('10000')) {
      notes.push(
        `${backend}: the head at S=10000 (${quick ? 'quick mode' : '~80 s per call at K=100'})`,
      );
    }
    if (!s.cnn) {
      notes.push(
        `${backend}: the CNN training step (${quick ? 'quick mode' : '~75 s per step of batch 2'})`,
      );
    }
    const common = ['--backend', backend];
    const sections = backend === backends[0] ? 'head,noise,profile' : 'head';
    jobs.push(
      job(`head-${backend}`, `MC head vs Dense head (${backend})`, HEAD, [
        ...common,
        ...['--sections', sections, '--reps', String(s.headReps)],
        ...['--classes', '10,100', '--samples', s.samples],
      ]),
      job(`step-mlp-${backend}`, `MLP training step (${backend})`, HEAD, [
        ...common,
        ...['--sections', 'step', '--models', 'mlp', '--step-reps', String(s.mlpReps)],
      ]),
    );
    if (!quick && backend === backends[0]) {
      // The same step at batch 1024: how much of the step is a fixed cost per step.
      jobs.push(
        job(`step-mlp-b1024-${backend}`, `MLP training step, batch 1024 (${backend})`, HEAD, [
          ...common,
          ...['--sections', 'step', '--models', 'mlp', '--step-samples', ''],
          ...['--step-batch', '1024', '--step-reps', '5'],
        ]),
      );
    }
    if (s.cnn) {
      jobs.push(
        job(`step-cnn-${backend}`, `CNN training step (${backend})`, HEAD, [
          ...common,
          ...['--sections', 'step', '--models', 'cnn', '--step-reps', '3'],
        ]),
      );
    }
    jobs.push(
      job(
        `matmul-${backend}`,
        `fp32 matmul (${backend})`,
        'tools/perf/matmul.mjs',
        [...common, '--reps', String(s.matmulReps)],
        { needs: ['core', 'backend'] },
      ),
    );
  }
  // Peak memory is counted in tensor bytes, the same on every backend: measured on the first.
  const first = ['--backend', backends[0], '--sections', 'memory'];
  jobs.push(
    job('memory', 'MC head peak memory, chunked and not', HEAD, [
      ...first,
      ...['--memory-samples', '1000,10000,100000', '--unchunked', '10000'],
    ]),
  );
  if (quick) {
    notes.push(
      'quick mode: the MLP step at batch 1024, S=100,000 in one chunk, runInWorkers, binary heads, datasets, SNGP',
    );
  } else {
    // ~3.4 GB of tensors: in a process of its own, so that running out of memory ends only it.
    jobs.push(
      job(
        'memory-unchunked-100k',
        'MC head peak memory, S = 100,000 in one chunk',
        HEAD,
        [...first, '--memory-samples', '', '--unchunked', '100000'],
        { optional: true },
      ),
    );
  }
  jobs.push(
    job(
      'metrics',
      'metrics throughput',
      'packages/metrics/bench/throughput.mjs',
      ['--reps', quick ? '3' : '5'],
      { needs: ['core', 'metrics'] },
    ),
  );
  // Issue 23.3: 1e7 rows x 1000 classes (quick: 1e5) through the streaming metrics, peak memory.
  jobs.push(
    job(
      'metrics-scale',
      'metrics at scale: Calibration and OodDetection streaming',
      'packages/metrics/bench/at-scale.mjs',
      quick ? ['--quick'] : [],
      { needs: ['core', 'metrics'], timeoutS: 900 },
    ),
  );
  if (!quick && backends.includes('wasm')) {
    // Issue 23.1: one process on two cores, the threaded wasm build (resolveBackend({ threads })).
    jobs.push(
      job(
        'threads',
        'wasm with 1 and 2 threads in one process',
        'packages/backend/bench/threads-throughput.mjs',
        ['--threads', '2', '--rounds', '3'],
        { needs: ['core', 'backend'], timeoutS: 600 },
      ),
    );
  }
  if (!quick) {
    jobs.push(
      job(
        'workers',
        'runInWorkers: 1 and 2 worker processes',
        'packages/backend/bench/workers-throughput.mjs',
        ['8', backends[0]],
        { needs: ['core', 'backend'], output: 'workers' },
      ),
      ...(backends.includes('wasm')
        ? [
            job(
              'kernels',
              'fast wasm training kernels against stock wasm and cpu',
              'packages/backend/bench/training-throughput.mjs',
              [],
              { needs: ['core', 'backend'], timeoutS: 500 },
            ),
          ]
        : []),
      job('sigmoid', 'binary heads', 'packages/mc-sigmoid/bench/head-cost.mjs', ['--reps', '10'], {
        needs: [...MC_HEAD, 'mc-sigmoid'],
        optional: true,
      }),
      job(
        'datasets',
        'CIFAR-10 loader and batches',
        'packages/datasets/bench/load-and-iterate.mjs',
        [],
        { needs: ['core', 'datasets'], optional: true },
      ),
      job('sngp', 'SNGP head', 'packages/sngp/bench/gp-cost.mjs', [], {
        needs: ['core', 'sngp'],
        optional: true,
      }),
    );
  }
  return { jobs, notes };
}
