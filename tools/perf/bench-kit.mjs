// Helpers shared by the benchmark scripts (packages/*/bench/*.mjs) and the perf suite
// (tools/perf/run.mjs): timing by wall clock and by this process's CPU time, medians, number
// lists from flags, picking the backend, and writing a script's results as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The median of a non-empty array of numbers (the upper one of the two middles). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The first quartile, the median (as {@link median}) and the third quartile of `values`. */
export function quartiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p) => sorted[Math.floor(p * sorted.length)];
  return [at(0.25), at(0.5), at(0.75)];
}

/** `'1,10,100'` -> `[1, 10, 100]`; `''` -> `[]`. Throws on anything that is not a number. */
export function numberList(text, flag) {
  if (text === '') return [];
  return text.split(',').map((item) => {
    const value = Number(item.replaceAll('_', ''));
    if (!Number.isFinite(value)) throw new Error(`--${flag}: '${item}' is not a number`);
    return value;
  });
}

/**
 * Runs `fn` (sync or async) and returns `{ wallMs, cpuMs }`. `cpuMs` is this process's CPU
 * time (user + system, all threads). tfjs's `cpu` and `wasm` backends compute on the main
 * thread in Node, so on a shared machine the CPU time is the steadier measure of the work:
 * it does not grow when other processes take the cores. It also counts V8's garbage
 * collector threads.
 */
export async function timed(fn) {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/**
 * Activates a tfjs backend through `@uqjs/backend`'s `resolveBackend` (which also registers
 * the fast wasm training kernels when the backend is `wasm`), quietly. Returns its answer.
 */
export async function useBackend(name) {
  const { resolveBackend } = await import('@uqjs/backend');
  return resolveBackend({ prefer: name, log: false, env: {} });
}

/** Writes `value` as indented JSON to `file` (creating its folder); does nothing without a file. */
export function writeJson(file, value) {
  if (file === undefined) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
