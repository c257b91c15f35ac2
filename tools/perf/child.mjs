// Runs one measurement of the perf suite as a child process and reads back what it measured.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** tfjs's "install the node backend" banner, printed when the cpu backend starts. */
const BANNER = /^=+$|^Hi, looks like you are running TensorFlow\.js in Node\.js/;

/**
 * `workers-throughput.mjs` prints `  N worker(s): W s wall, T tasks/s, E examples/s (...)`
 * per worker count; this reads those lines.
 */
export function parseWorkers(stdout) {
  const pattern = /(\d+) worker\(s\): ([\d.]+) s wall, [\d.]+ tasks\/s, ([\d.]+) examples\/s/g;
  const runs = [...stdout.matchAll(pattern)].map((m) => ({
    workers: Number(m[1]),
    wallSeconds: Number(m[2]),
    examplesPerSecond: Number(m[3]),
  }));
  if (runs.length === 0) throw new Error('no "N worker(s): ... examples/s" lines in its output');
  return { runs };
}

/**
 * Runs `job` (see plan.mjs) from `root`, streaming its lines to this process's stdout
 * (indented), and resolves to `{ ok, seconds, data }` or `{ ok: false, seconds, error }`.
 */
export function runJob(job, root, tmpDir) {
  const jsonFile = join(tmpDir, `${job.id}.json`);
  const args = [job.script, ...job.args, ...(job.output === 'json' ? ['--json', jsonFile] : [])];
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: job.timeoutS * 1000,
    });
    const lines = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.trim() !== '' && !BANNER.test(line)) process.stdout.write(`    ${line}\n`);
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - start) / 1000;
      const fail = (error) => resolve({ ok: false, seconds, error });
      if (code !== 0) {
        const last = stderr.trim().split('\n').slice(-3).join(' | ');
        fail(
          signal !== null
            ? `killed by ${signal} after ${seconds.toFixed(0)} s`
            : `exit ${code}: ${last}`,
        );
        return;
      }
      try {
        if (job.output === 'workers') {
          resolve({ ok: true, seconds, data: parseWorkers(lines.join('\n')) });
        } else if (!existsSync(jsonFile)) {
          fail('wrote no JSON');
        } else {
          resolve({ ok: true, seconds, data: JSON.parse(readFileSync(jsonFile, 'utf8')) });
        }
      } catch (error) {
        fail(`could not read its results: ${error.message}`);
      }
    });
  });
}
