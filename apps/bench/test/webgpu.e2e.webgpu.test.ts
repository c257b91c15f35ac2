// `uqjs-bench --backend webgpu` end to end on Dawn's adapter (Mesa lavapipe in CI): the same
// quick grid as on wasm, the same files, the same numbers to float32 tolerance. Runs only with
// UQJS_TEST_BACKEND=webgpu (vitest.config.ts), under tools/webgpu/lavapipe-run.sh, which sets the
// Vulkan driver's environment that the child processes inherit.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The MAT v5 writer of @uqjs/datasets' own tests (SVHN's files are MATLAB files).
import { MI, MX, matFile } from '../../../packages/datasets/test/helpers/formats.js';
import type { RunRecord } from '../src/record.js';
import { quickGridArgs, readRuns, relative } from './grid-args.js';
import { requireBuiltCli, runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'uqjs-bench-webgpu-'));

function bench(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return runCli(args, { env });
}

/** The records of `dir`, by cell. */
function runs(dir: string): Map<string, RunRecord> {
  return new Map(readRuns(dir).map((r) => [JSON.stringify(r.cell), r]));
}

/** A tiny quick grid: 3 runs (homoscedastic, heteroscedastic at tau 1 and 10), 2 epochs. */
function grid(dataset: string, split: string): string[] {
  return quickGridArgs(dataset, split, {
    'train-samples': 10,
    methods: 'homoscedastic,heteroscedastic',
  });
}

/**
 * CIFAR-10's binary batches at their real sizes (5 x 10,000 training records and 10,000 test
 * records of a label byte and 3 x 32 x 32 pixels), filled from a seeded xorshift: what
 * `--data-dir` reads, without the 163 MB download. The pixels carry no class signal; the test
 * compares backends, not accuracy.
 */
function writeCifarBatches(dir: string): void {
  mkdirSync(dir, { recursive: true });
  let state = 0x9e3779b9;
  const record = 3073;
  for (const name of [1, 2, 3, 4, 5].map((b) => `data_batch_${b}.bin`).concat('test_batch.bin')) {
    const bytes = new Uint8Array(10_000 * record);
    for (let i = 0; i < bytes.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes[i] = state & 0xff;
    }
    for (let n = 0; n < 10_000; n++) bytes[n * record] = n % 10;
    writeFileSync(join(dir, name), bytes);
  }
}

/**
 * SVHN's `train_32x32.mat` and `test_32x32.mat` (format 2: `X` uint8 32 x 32 x 3 x N, `y`
 * labels 1-10, compressed as MATLAB writes them) with `train` and `test` digits from a seeded
 * xorshift, and `checksums.json` with their MD5s for `--checksums` (they are not the official
 * files, whose 182 MB the test does not download).
 */
function writeSvhnFiles(dir: string, train: number, test: number): void {
  mkdirSync(dir, { recursive: true });
  let state = 0x2545f491;
  const checksums: Record<string, string> = {};
  for (const [name, n] of [
    ['train_32x32.mat', train],
    ['test_32x32.mat', test],
  ] as const) {
    const x = new Uint8Array(3072 * n);
    for (let i = 0; i < x.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      x[i] = state & 0xff;
    }
    const bytes = matFile([
      {
        name: 'X',
        classId: MX.UINT8,
        dims: [32, 32, 3, n],
        values: x,
        storeAs: MI.UINT8,
        compress: true,
      },
      {
        name: 'y',
        classId: MX.DOUBLE,
        dims: [n, 1],
        values: Array.from({ length: n }, (_, i) => 1 + (i % 10)),
        storeAs: MI.UINT8,
        compress: true,
      },
    ]);
    writeFileSync(join(dir, name), bytes);
    checksums[name] = createHash('md5').update(bytes).digest('hex');
  }
  writeFileSync(join(dir, 'checksums.json'), JSON.stringify(checksums));
}

beforeAll(() => {
  requireBuiltCli();
  writeCifarBatches(join(root, 'cifar10-data'));
  writeSvhnFiles(join(root, 'svhn-data'), 120, 40);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('uqjs-bench --backend webgpu', () => {
  for (const [dataset, split, data] of [
    ['moons', '200/100/100', []],
    ['mnist', '200/100/100', []],
    ['cifar10', '100/50/50', ['--data-dir', join(root, 'cifar10-data')]],
    // svhn trains the same tiny CNN on the same input shape: a smaller split keeps lavapipe quick.
    [
      'svhn',
      '60/30/30',
      [
        '--data-dir',
        join(root, 'svhn-data'),
        '--checksums',
        join(root, 'svhn-data', 'checksums.json'),
      ],
    ],
  ] as const) {
    it(`${dataset}: writes what the wasm run writes, with the same numbers`, async () => {
      const gpuDir = join(root, `${dataset}-webgpu`);
      const wasmDir = join(root, `${dataset}-wasm`);
      const args = [...grid(dataset, split), ...data];
      const gpu = await bench([...args, '--backend', 'webgpu', '--out', gpuDir]);
      expect(gpu.stderr).not.toMatch(/Error/);
      expect(gpu.code).toBe(0);
      // lavapipe: a software adapter, used because it was named, and reported as such.
      expect(gpu.stdout).toMatch(
        /backend webgpu \(@tensorflow\/tfjs-backend-webgpu\) · (software WebGPU adapter, no GPU|GPU \(WebGPU\)): /,
      );
      const wasm = await bench([...args, '--backend', 'wasm', '--out', wasmDir]);
      expect(wasm.code).toBe(0);

      expect(readdirSync(gpuDir).sort()).toEqual(readdirSync(wasmDir).sort());
      const a = runs(gpuDir);
      const b = runs(wasmDir);
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      expect(a.size).toBe(3);
      for (const [cell, onGpu] of a) {
        const onWasm = b.get(cell)!;
        expect(onGpu.backend).toBe('webgpu');
        expect(onWasm.backend).toBe('wasm');
        expect(onGpu.epochs).toBe(onWasm.epochs);
        // The same seeds, data order and MC noise; only float32 summation order differs
        // between the backends (~1e-7 relative per op, measured 2.5e-6 after two epochs on
        // moons): 1e-4 leaves a 40x margin and still catches any real divergence.
        for (const key of ['nll', 'ece', 'brier'] as const) {
          expect(relative(onGpu.test[key], onWasm.test[key])).toBeLessThan(1e-4);
          expect(relative(onGpu.validation[key], onWasm.validation[key])).toBeLessThan(1e-4);
        }
        // A prediction exactly at a tie could flip: at most one example of 100.
        expect(Math.abs(onGpu.test.accuracy - onWasm.test.accuracy)).toBeLessThanOrEqual(0.01);
        onGpu.history.trainLoss.forEach((loss, i) => {
          expect(relative(loss, onWasm.history.trainLoss[i]!)).toBeLessThan(1e-4);
        });
      }
    });
  }

  it('stops with exit 2 before any work when Dawn finds no adapter, saying what to install', async () => {
    const out = join(root, 'no-adapter');
    const outcome = await bench(
      [...grid('moons', '200/100/100'), '--backend', 'webgpu', '--out', out],
      {
        ...process.env,
        VK_ICD_FILENAMES: '/nonexistent/icd.json',
      },
    );
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain("backend 'webgpu' (from opts.prefer) cannot be loaded");
    expect(outcome.stderr).toContain('Dawn found no WebGPU adapter');
    expect(outcome.stderr).toContain('`apt-get install libvulkan1`');
    expect(existsSync(out)).toBe(false);
  });
});
