// The methods of issue 22.5 through the built `uqjs-bench` executable (dist/cli.js, built by the
// nx `test` target's dependency on `build`): a tiny moons grid trains them end to end, and the
// runs, the summary and the report show them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../src/analysis.js';
import type { RunRecord } from '../src/record.js';
import { runCli as bench, requireBuiltCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'uqjs-bench-new-methods-'));
/** The backend the child trains on: the one this test run is on (wasm, cpu or webgpu). */
const BACKEND = process.env.UQJS_TEST_BACKEND ?? 'wasm';

beforeAll(requireBuiltCli);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('uqjs-bench --methods het-sngp,learned-confidence,bbb', () => {
  it('trains het-sngp at two temperatures, learned-confidence and bbb on moons and reports them', async () => {
    const dir = join(root, 'new-methods');
    const outcome = await bench([
      'moons',
      '--quick',
      '--model',
      'tiny',
      '--split',
      '200/100/100',
      '--epochs',
      '2',
      '--patience',
      '1',
      '--seeds',
      '1',
      '--methods',
      'het-sngp,learned-confidence,bbb',
      '--temperatures',
      '1,10',
      '--train-samples',
      '10',
      '--eval-samples',
      '20',
      '--workers',
      '1',
      '--backend',
      BACKEND,
      '--progress',
      'lines',
      '--out',
      dir,
    ]);
    expect(outcome.stderr).not.toContain('Error');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain(`backend ${BACKEND}`);
    const records = readFileSync(join(dir, 'runs.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RunRecord);
    expect(records.map((r) => r.key).sort()).toEqual([
      'bbb/seed=0',
      'het-sngp/tau=1/S=10/seed=0',
      'het-sngp/tau=10/S=10/seed=0',
      'learned-confidence/seed=0',
    ]);
    for (const { test, surface, backend } of records) {
      expect(backend).toBe(BACKEND);
      // Two balanced classes: chance NLL is log 2 = 0.693; two epochs of a tiny net stay near it
      // or below, never far above (a broken predictive gives NaN or several nats).
      expect(test.nll).toBeGreaterThan(0);
      expect(test.nll).toBeLessThan(1);
      expect(test.accuracy).toBeGreaterThanOrEqual(0);
      expect(test.accuracy).toBeLessThanOrEqual(1);
      // Entropy of a 2-class predictive lies in [0, log 2].
      for (const h of surface!.entropy) expect(h).toBeGreaterThanOrEqual(0);
      for (const h of surface!.entropy) expect(h).toBeLessThanOrEqual(Math.log(2) + 1e-4);
    }
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    expect(summary.arms.map((a) => a.key).sort()).toEqual([
      'bbb',
      'het-sngp/tau=1/S=10',
      'het-sngp/tau=10/S=10',
      'learned-confidence',
    ]);
    const selection = summary.selections.find((s) => s.method === 'het-sngp');
    expect([1, 10]).toContain(selection?.tauStar);
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toContain(`| het-sngp tau=${selection?.tauStar}* |`);
    expect(report).toContain('| learned-confidence |');
    expect(report).toContain('| bbb |');
    expect(report).toContain('uncertainty surface, het-sngp/');
    expect(report).toContain('uncertainty surface, learned-confidence');
    expect(report).toContain('uncertainty surface, bbb');
  });
});
