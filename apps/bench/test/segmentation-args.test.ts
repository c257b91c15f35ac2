// parseSegmentationArgs: presets and the grids they enumerate, flags over presets, and the
// errors that name the flag.
import { describe, expect, it } from 'vitest';
import { enumerateCells } from '../src/grid.js';
import { parseSegmentationArgs } from '../src/segmentation/args.js';
import type { SegmentationConfig } from '../src/segmentation/protocol.js';

function config(argv: string[]): SegmentationConfig {
  const command = parseSegmentationArgs(argv, { now: new Date('2026-01-02T03:04:05Z') });
  if (command.kind !== 'run') throw new Error('expected a run');
  return command.config;
}

describe('parseSegmentationArgs', () => {
  it('runs the quick grid by default: 3 seeds x (homoscedastic + 3 temperatures)', () => {
    const c = config([]);
    expect(c.preset).toBe('quick');
    expect(c.protocol.dataset).toBe('shapes');
    expect(enumerateCells(c.grid)).toHaveLength(12);
    expect(c.execution.out).toBe('results/segmentation-shapes/2026-01-02T03-04-05');
    expect(c.execution.pictures).toBe(4);
    expect(c.execution.resume).toBe(false);
  });

  it('--paper sweeps 9 temperatures x 3 sample counts over 10 seeds: 280 runs', () => {
    const c = config(['--paper']);
    expect(c.grid.temperatures).toHaveLength(9);
    expect(c.grid.trainSamples).toEqual([1, 10, 100]);
    // 10 homoscedastic runs + 9 x 3 x 10 heteroscedastic runs.
    expect(enumerateCells(c.grid)).toHaveLength(10 + 270);
    expect(config(['--preset', 'paper']).grid).toEqual(c.grid);
    // `npx nx run bench:segmentation -- --paper`: the script's --preset quick gives way.
    expect(config(['--preset', 'quick', '--paper']).grid).toEqual(c.grid);
  });

  it('takes flags over the preset', () => {
    const c = config([
      '--paper',
      '--size',
      '32',
      '--split',
      '10/5/5',
      '--temperatures',
      '1,3',
      '--train-samples',
      '4',
      '--seeds',
      '2..3',
      '--epochs',
      '7',
      '--eval-samples',
      '9',
      '--dropout-passes',
      '1',
      '--learning-rate',
      '0.01',
      '--methods',
      'heteroscedastic',
      '--dataset',
      'camvid',
      '--data-dir',
      '/data/camvid',
      '--pictures',
      '0',
      '--workers',
      '3',
      '--backend',
      'cpu',
      '--out',
      'o',
      '--resume',
    ]);
    expect(c.protocol).toMatchObject({
      dataset: 'camvid',
      size: 32,
      split: { train: 10, validation: 5, test: 5 },
      epochs: 7,
      evalSamples: 9,
      dropoutPasses: 1,
      learningRate: 0.01,
      numFactors: 4,
    });
    expect(c.grid).toEqual({
      methods: ['heteroscedastic'],
      temperatures: [1, 3],
      trainSamples: [4],
      seeds: [2, 3],
    });
    expect(c.execution).toEqual({
      out: 'o',
      resume: true,
      dataDir: '/data/camvid',
      backend: 'cpu',
      workers: 3,
      threads: null,
      pictures: 0,
    });
  });

  it('prints help for --help', () => {
    expect(parseSegmentationArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--data-dir', '/d'], '--data-dir must be used with voc, cityscapes or camvid'],
    [['--dataset', 'cityscapes'], '--data-dir must be the directory of the cityscapes files'],
    [['--resume'], '--resume must be used with --out'],
    [['--size', '4'], '--size must be an integer >= 8'],
    [['--paper', '--size', '36'], '--size must be a multiple of 8'],
    [['--temperatures', '1,1'], '--temperatures must be a list without duplicates'],
    [['--methods', 'sngp'], '--methods must be one of homoscedastic, heteroscedastic'],
    [['--pictures', '-1'], '--pictures must be given a value'],
    [['--epochs', '0'], '--epochs must be an integer >= 1'],
    [['--frobnicate'], '--frobnicate must be a known flag'],
    [['shapes'], 'segmentation must be flags only'],
  ])('%j is an error naming the flag', (argv, message) => {
    expect(() => parseSegmentationArgs(argv)).toThrow(message);
  });
});
