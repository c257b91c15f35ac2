// The uqjs performance suite (issue #12; `nx run bench:perf`): runs the package benchmark
// scripts as child processes, one at a time, composes what they measured into one record,
// prints it as Markdown tables and writes it as JSON (and the tables as Markdown beside it).
//
//   node tools/perf/run.mjs [--quick] [--out results/perf/perf.json] [--backends wasm,cpu]
//   node tools/perf/run.mjs --render results/perf/perf.json   (the report of an earlier run)
//   node tools/perf/run.mjs --only metrics-scale   (some of the jobs, by id; see plan.mjs)
//
// Needs the built packages (`npx nx run-many -t build`); no data download. --quick: wasm only,
// few repetitions, the big cases left out (well under a minute on 2 cores). Full: wasm and cpu
// (and tensorflow when @tensorflow/tfjs-node is installed), a few minutes. See
// docs/performance.md for what each number means. Exit status 1 when a measurement failed;
// the targets are reported, not enforced.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeJson } from './bench-kit.mjs';
import { runJob } from './child.mjs';
import { compose } from './compose.mjs';
import { planJobs } from './plan.mjs';
import { renderReport } from './report.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'results/perf/perf.json') },
    backends: { type: 'string' },
    render: { type: 'string' },
    only: { type: 'string' },
  },
});

if (flags.render !== undefined) {
  // Prints the report of an earlier run's record, measuring nothing.
  console.log(renderReport(JSON.parse(readFileSync(flags.render, 'utf8'))));
  process.exit(0);
}

/** Backends installed here: tensorflow (tfjs-node) when resolvable, then wasm and cpu. */
function installedBackends() {
  const require = createRequire(join(root, 'package.json'));
  const has = (name) => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  };
  return [
    ...(has('@tensorflow/tfjs-node-gpu') || has('@tensorflow/tfjs-node') ? ['tensorflow'] : []),
    ...(has('@tensorflow/tfjs-backend-wasm') ? ['wasm'] : []),
    ...(has('@tensorflow/tfjs-backend-cpu') ? ['cpu'] : []),
  ];
}

function commit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root }).length > 0;
    return `${head.trim()}${dirty ? ' (with uncommitted changes)' : ''}`;
  } catch {
    return 'unknown';
  }
}

const available = installedBackends();
const backends =
  flags.backends?.split(',') ??
  (flags.quick ? available.filter((b) => b !== 'cpu').slice(0, 1) : available);
const planned = planJobs({ quick: flags.quick, backends });
if (flags.only !== undefined) {
  // --only id,id: a subset of the plan (the others are listed as not run).
  const ids = flags.only.split(',');
  const unknown = ids.filter((id) => !planned.jobs.some((j) => j.id === id));
  if (unknown.length > 0) {
    console.error(
      `perf: --only: no job ${unknown.join(', ')} (jobs: ${planned.jobs.map((j) => j.id).join(', ')})`,
    );
    process.exit(1);
  }
  const skipped = planned.jobs.filter((j) => !ids.includes(j.id));
  planned.jobs = planned.jobs.filter((j) => ids.includes(j.id));
  if (skipped.length > 0) planned.notes.push(`--only: ${skipped.map((j) => j.id).join(', ')}`);
}
const { notes } = planned;
const unbuilt = (j) =>
  j.needs.filter((p) => !existsSync(join(root, 'packages', p, 'dist/index.js')));
const missing = planned.jobs.filter((j) => !j.optional && unbuilt(j).length > 0);
if (missing.length > 0) {
  const packages = [...new Set(missing.flatMap(unbuilt))].join(', ');
  console.error(`perf: build first (npx nx run-many -t build); no dist/ in ${packages}`);
  process.exit(1);
}
for (const j of planned.jobs.filter((job) => unbuilt(job).length > 0)) {
  notes.push(`${j.title}: packages ${unbuilt(j).join(', ')} not built`);
}
const jobs = planned.jobs.filter((j) => unbuilt(j).length === 0);
for (const b of available.filter((name) => !backends.includes(name))) {
  notes.unshift(`the ${b} backend${flags.quick ? ' (quick mode)' : ''}`);
}

const load = () => loadavg().map((l) => Number(l.toFixed(2)));
const machine = {
  cpuModel: cpus()[0]?.model ?? 'unknown',
  cores: availableParallelism(),
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  tfjs: JSON.parse(
    readFileSync(join(root, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8'),
  ).version,
  loadStart: load(),
};
console.log(
  `uqjs perf (${flags.quick ? 'quick' : 'full'}): backends ${backends.join(', ')}; ${jobs.length} measurements; load average ${machine.loadStart.join(' ')}`,
);

const started = new Date();
const tmp = mkdtempSync(join(tmpdir(), 'uqjs-perf-'));
const results = new Map();
try {
  for (const job of jobs) {
    console.log(`\n[${job.id}] ${job.title}`);
    const result = await runJob(job, root, tmp);
    results.set(job.id, result);
    console.log(
      result.ok
        ? `  done in ${result.seconds.toFixed(1)} s`
        : `  ${job.optional ? 'could not run' : 'FAILED'} after ${result.seconds.toFixed(1)} s: ${result.error}`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const perf = compose(results, jobs, {
  version: 1,
  mode: flags.quick ? 'quick' : 'full',
  command: ['node', 'tools/perf/run.mjs', ...process.argv.slice(2)].join(' '),
  startedAt: started.toISOString(),
  durationSeconds: (Date.now() - started.getTime()) / 1000,
  commit: commit(),
  machine: { ...machine, loadEnd: load() },
  backends,
  notes,
});
const report = renderReport(perf);
const reportFile = `${flags.out.replace(/\.json$/, '')}.md`;
writeJson(flags.out, perf);
writeFileSync(reportFile, `${report}\n`);
console.log(`\n${report}\n\nwrote ${flags.out} and ${reportFile}`);
process.exitCode = perf.jobs.some((j) => !j.ok && !j.optional) ? 1 : 0;
