// `--calibrate` with `--backend webgpu` (Mesa lavapipe in CI), against the same runs on wasm:
// the calibrators read the predictions the cell read with `await data()`, so they run on every
// backend. Runs only with UQJS_TEST_BACKEND=webgpu (vitest.config.ts), under
// tools/webgpu/lavapipe-run.sh, whose Vulkan environment the child processes inherit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalibratorName } from '../src/config.js';
import type { RunRecord } from '../src/record.js';
import { gridArgs, MOONS_PAIR, readRuns, relative } from './grid-args.js';
import { requireBuiltCli, runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'uqjs-bench-post-hoc-webgpu-'));

/** 1 seed x (homoscedastic, heteroscedastic at tau = 1), three calibrators. */
const ARGS = gridArgs('moons', { ...MOONS_PAIR, calibrate: 'temperature,histogram,platt' });

/** The records of `dir`, by run key. */
function runs(dir: string): Map<string, RunRecord> {
  return new Map(readRuns(dir).map((r) => [r.key, r]));
}

beforeAll(() => requireBuiltCli());
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('uqjs-bench --calibrate --backend webgpu', () => {
  it('scores every calibrator, as on wasm', async () => {
    const gpuDir = join(root, 'webgpu');
    const wasmDir = join(root, 'wasm');
    const gpu = await runCli([...ARGS, '--backend', 'webgpu', '--out', gpuDir]);
    expect(gpu.code, gpu.stderr).toBe(0);
    const wasm = await runCli([...ARGS, '--backend', 'wasm', '--out', wasmDir]);
    expect(wasm.code, wasm.stderr).toBe(0);
    const a = runs(gpuDir);
    const b = runs(wasmDir);
    expect(a.size).toBe(2);
    for (const [key, onGpu] of a) {
      const onWasm = b.get(key) as RunRecord;
      expect(onGpu.backend).toBe('webgpu');
      const names = Object.keys(onGpu.calibrated ?? {}) as CalibratorName[];
      expect(names).toEqual(['temperature', 'histogram', 'platt']);
      for (const name of names) {
        const scores = onGpu.calibrated?.[name];
        expect(Object.values(scores ?? {}).every(Number.isFinite)).toBe(true);
      }
      // The predictions agree to float32 summation order between the backends (the webgpu e2e
      // test's bound: 1e-4 relative); temperature and Platt scaling are smooth in them, so their
      // fitted scores move as little (measured: at most 1.4e-7 relative on these runs), and the
      // same 1e-4 holds. Histogram binning is a step function of the probabilities (an example
      // on a bin edge may move), so only its presence is checked above.
      for (const name of ['temperature', 'platt'] as const) {
        for (const metric of ['nll', 'brier'] as const) {
          const x = onGpu.calibrated?.[name]?.[metric] as number;
          const y = onWasm.calibrated?.[name]?.[metric] as number;
          expect(relative(x, y)).toBeLessThan(1e-4);
        }
      }
    }
  });
});
