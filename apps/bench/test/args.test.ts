import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs, parseSeeds, parseShard, parseSplit } from '../src/args.js';
import { METHOD_NAMES } from '../src/config.js';
import { PAPER_TEMPERATURES, PAPER_TRAIN_SAMPLES } from '../src/presets.js';

function run(argv: string[]) {
  const command = parseBenchArgs(argv, { now: new Date('2025-01-31T12:34:56Z') });
  if (command.kind !== 'run') throw new Error(`expected a run command, got ${command.kind}`);
  return command.config;
}

function errorOf(argv: string[]): string {
  try {
    parseBenchArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error(`parseBenchArgs(${argv.join(' ')}) did not throw`);
}

describe('parseBenchArgs: presets and defaults', () => {
  it('defaults to the quick grid; the paper grid only when asked for', () => {
    const byDefault = run(['cifar10']);
    expect(byDefault.preset).toBe('quick');
    expect(byDefault).toEqual(run(['cifar10', '--quick']));
    expect(run(['cifar10', '--preset', 'paper']).preset).toBe('paper');
    const config = run(['cifar10', '--paper']);
    expect(config.preset).toBe('paper');
    expect(config.protocol).toMatchObject({
      dataset: 'cifar10',
      patience: 10,
      maxEpochs: 1000,
      evalSamples: 1000,
      learningRate: 1e-3,
      labelNoise: 'collier2020',
      split: null,
    });
    expect(config.grid.temperatures).toEqual(PAPER_TEMPERATURES);
    expect(config.grid.trainSamples).toEqual(PAPER_TRAIN_SAMPLES);
    expect(config.grid.seeds).toHaveLength(50);
    expect(config.grid.methods).toContain('sngp');
    expect(config.execution.out).toBe('results/cifar10/2025-01-31T12-34-56');
    expect(config.execution.workers).toBeNull();
  });

  it('--quick, --preset quick and the cifar alias', () => {
    const quick = run(['mnist', '--quick']);
    expect(quick.preset).toBe('quick');
    expect(quick.protocol.patience).toBe(3);
    expect(quick.protocol.split).toEqual({ train: 6000, validation: 2000, test: 2000 });
    expect(quick.grid.methods).toEqual(['homoscedastic', 'heteroscedastic', 'tempered-softmax']);
    expect(quick.grid.temperatures).toEqual([1, 10]);
    expect(run(['mnist', '--preset', 'quick'])).toEqual(quick);
    expect(run(['cifar', '--paper']).protocol.dataset).toBe('cifar10');
    // The nx targets pass --preset quick; --paper after it switches to the paper's protocol.
    expect(run(['cifar10', '--preset', 'quick', '--paper']).preset).toBe('paper');
    expect(run(['cifar10', '--preset', 'paper', '--quick']).preset).toBe('quick');
  });

  it('flags override the preset', () => {
    const config = run([
      'mnist',
      '--quick',
      '--methods',
      'heteroscedastic,homoscedastic',
      '--temperatures',
      '0.5,2',
      '--train-samples',
      '1,10',
      '--seeds',
      '3..5',
      '--eval-samples',
      '64',
      '--noise',
      'gumbel',
      '--label-noise',
      'none',
      '--epochs',
      '7',
      '--patience',
      '2',
      '--batch-size',
      '32',
      '--learning-rate',
      '0.01',
      '--split',
      '300/100/50',
      '--model',
      'tiny',
      '--shard',
      '2/3',
      '--workers',
      '1',
      '--backend',
      'cpu',
      '--out',
      'x',
    ]);
    expect(config.grid).toEqual({
      methods: ['heteroscedastic', 'homoscedastic'],
      temperatures: [0.5, 2],
      trainSamples: [1, 10],
      seeds: [3, 4, 5],
    });
    expect(config.protocol).toMatchObject({
      evalSamples: 64,
      noise: 'gumbel',
      labelNoise: 'none',
      maxEpochs: 7,
      patience: 2,
      batchSize: 32,
      learningRate: 0.01,
      split: { train: 300, validation: 100, test: 50 },
      model: 'tiny',
    });
    expect(config.execution).toMatchObject({
      shard: { index: 2, count: 3 },
      workers: 1,
      threads: null,
      backend: 'cpu',
      out: 'x',
    });
  });

  it('uses the official MNIST split when --data-dir is given', () => {
    expect(run(['mnist', '--data-dir', '/data/mnist']).protocol.split).toBeNull();
  });

  it('help, version, merge and report', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ kind: 'help', topic: null });
    expect(parseBenchArgs(['-h'])).toEqual({ kind: 'help', topic: null });
    expect(parseBenchArgs(['help'])).toEqual({ kind: 'help', topic: null });
    expect(parseBenchArgs(['mnist', '--help'])).toEqual({ kind: 'help', topic: 'run' });
    expect(parseBenchArgs(['merge', '--help'])).toEqual({ kind: 'help', topic: 'merge' });
    expect(parseBenchArgs(['report', '-h'])).toEqual({ kind: 'help', topic: 'report' });
    expect(parseBenchArgs(['help', 'merge'])).toEqual({ kind: 'help', topic: 'merge' });
    expect(parseBenchArgs(['help', 'report'])).toEqual({ kind: 'help', topic: 'report' });
    expect(parseBenchArgs(['help', 'run'])).toEqual({ kind: 'help', topic: 'run' });
    expect(parseBenchArgs(['help', 'cifar'])).toEqual({ kind: 'help', topic: 'run' });
    expect(parseBenchArgs(['--version'])).toEqual({ kind: 'version' });
    expect(parseBenchArgs(['mnist', '--version'])).toEqual({ kind: 'version' });
    const command = parseBenchArgs(['mnist', '--yes']);
    expect(command.kind === 'run' && command.yes).toBe(true);
    const short = parseBenchArgs(['mnist', '-y']);
    expect(short.kind === 'run' && short.yes).toBe(true);
    const asking = parseBenchArgs(['mnist']);
    expect(asking.kind === 'run' && asking.yes).toBe(false);
    expect(parseBenchArgs(['merge', 'a', 'b', '--out', 'c'])).toEqual({
      kind: 'merge',
      dirs: ['a', 'b'],
      out: 'c',
    });
    expect(parseBenchArgs(['report', 'a'])).toEqual({ kind: 'report', dir: 'a', to: null });
    expect(parseBenchArgs(['report', 'a', '--to', 'b.md'])).toEqual({
      kind: 'report',
      dir: 'a',
      to: 'b.md',
    });
  });
});

describe('parseBenchArgs: errors name the flag, what it accepts and what was given', () => {
  it.each([
    [
      [],
      'uqjs-bench: <dataset> must be one of mnist, cifar10, svhn, moons (or merge, report, help), got ""',
    ],
    [
      ['imagenet'],
      'uqjs-bench: <dataset> must be one of mnist, cifar10, svhn, moons, got "imagenet"',
    ],
    [
      ['mnist', 'cifar10'],
      'uqjs-bench: arguments must be one dataset followed by flags, got "mnist cifar10"',
    ],
    [
      ['mnist', '--frobnicate'],
      'uqjs-bench: --frobnicate must be a known flag (see uqjs-bench --help), got "--frobnicate"',
    ],
    [
      ['mnist', '--seeds'],
      `uqjs-bench: --seeds must be given a value (write --seeds=VALUE for a value that starts with '-'), got "no value"`,
    ],
    [
      ['mnist', '--patience', '-1'],
      `uqjs-bench: --patience must be given a value (write --patience=VALUE for a value that starts with '-'), got "no value"`,
    ],
    [
      ['mnist', '--methods', 'bayes'],
      // Every method the bench knows, in METHOD_NAMES order (new methods join that list).
      `uqjs-bench: --methods must be one of homoscedastic, heteroscedastic, tempered-softmax, sngp, mc-dropout, ensemble, ${METHOD_NAMES.slice(6).join(', ')}${METHOD_NAMES.length > 6 ? ', ' : ''}got "bayes"`,
    ],
    [
      ['mnist', '--methods', 'sngp,sngp'],
      'uqjs-bench: --methods must be a list without duplicates, got "sngp,sngp"',
    ],
    [
      ['mnist', '--temperatures', '1,0'],
      'uqjs-bench: --temperatures must be a finite number > 0, got "0"',
    ],
    [
      ['mnist', '--temperatures', '1,-3'],
      'uqjs-bench: --temperatures must be a finite number > 0, got "-3"',
    ],
    [
      ['mnist', '--temperatures', 'abc'],
      'uqjs-bench: --temperatures must be a finite number > 0, got "abc"',
    ],
    [
      ['mnist', '--temperatures', ','],
      'uqjs-bench: --temperatures must be a non-empty comma-separated list, got ","',
    ],
    [
      ['mnist', '--train-samples', '1.5'],
      'uqjs-bench: --train-samples must be an integer >= 1, got "1.5"',
    ],
    [
      ['mnist', '--eval-samples', '0'],
      'uqjs-bench: --eval-samples must be an integer >= 1, got "0"',
    ],
    [['mnist', '--epochs', 'ten'], 'uqjs-bench: --epochs must be an integer >= 1, got "ten"'],
    [['mnist', '--patience=-1'], 'uqjs-bench: --patience must be an integer >= 1, got "-1"'],
    [['mnist', '--batch-size', '0'], 'uqjs-bench: --batch-size must be an integer >= 1, got "0"'],
    [
      ['mnist', '--learning-rate', 'NaN'],
      'uqjs-bench: --learning-rate must be a finite number > 0, got "NaN"',
    ],
    [
      ['mnist', '--ensemble-size', '1'],
      'uqjs-bench: --ensemble-size must be an integer >= 2, got "1"',
    ],
    [['mnist', '--workers', '0'], 'uqjs-bench: --workers must be an integer >= 1, got "0"'],
    [['mnist', '--threads', '0'], 'uqjs-bench: --threads must be an integer >= 1, got "0"'],
    [['mnist', '--threads', '9'], 'uqjs-bench: --threads must be an integer from 1 to 8, got "9"'],
    [
      ['mnist', '--noise', 'cauchy'],
      'uqjs-bench: --noise must be one of normal, logistic, gumbel, got "cauchy"',
    ],
    [
      ['mnist', '--label-noise', 'symmetric'],
      'uqjs-bench: --label-noise must be one of collier2020, none, got "symmetric"',
    ],
    [
      ['mnist', '--backend', 'webgl'],
      'uqjs-bench: --backend must be one of tensorflow, webgpu, wasm, cpu, got "webgl"',
    ],
    [['mnist', '--model', 'huge'], 'uqjs-bench: --model must be one of paper, tiny, got "huge"'],
    [
      ['mnist', '--progress', 'fancy'],
      'uqjs-bench: --progress must be one of auto, lines, off, got "fancy"',
    ],
    [['mnist', '--preset', 'slow'], 'uqjs-bench: --preset must be one of quick, paper, got "slow"'],
    [
      ['mnist', '--quick', '--paper'],
      'uqjs-bench: --quick must be not combined with --paper, got "--paper"',
    ],
    [
      ['mnist', '--resume'],
      'uqjs-bench: --resume must be used with --out <dir> of the run to resume, got "--resume without --out"',
    ],
    [
      ['moons', '--label-noise', 'collier2020'],
      'uqjs-bench: --label-noise must be \'none\' for moons (collier2020 corrupts classes 5-9 of 10), got "collier2020"',
    ],
    [
      ['moons', '--download'],
      'uqjs-bench: --download must be used with mnist, cifar10 or svhn (moons is generated), got "moons"',
    ],
    [
      ['moons', '--data-dir', '/data'],
      'uqjs-bench: --data-dir must be used with mnist, cifar10 or svhn (moons is generated), got "moons"',
    ],
    [
      ['help', 'imagenet'],
      'uqjs-bench: help [command] must be one of run, merge, report or a dataset (mnist, cifar10, svhn, moons), got "imagenet"',
    ],
    [['merge'], 'uqjs-bench: merge <dirs...> must be at least one output directory, got ""'],
    [
      ['report', 'a', 'b'],
      'uqjs-bench: report <dir> must be exactly one output directory, got ["a", "b"]',
    ],
  ])('%j', (argv, message) => {
    expect(errorOf(argv)).toBe(message);
  });
});

describe('flag value parsers', () => {
  it('--seeds: a count, a range or a list', () => {
    expect(parseSeeds('3')).toEqual([0, 1, 2]);
    expect(parseSeeds('7..9')).toEqual([7, 8, 9]);
    expect(parseSeeds('4, 2,9')).toEqual([4, 2, 9]);
    expect(() => parseSeeds('0')).toThrow('--seeds must be an integer >= 1, got "0"');
    expect(() => parseSeeds('5..2')).toThrow(
      '--seeds must be a range a..b with a <= b, got "5..2"',
    );
    expect(() => parseSeeds('1,1')).toThrow('--seeds must be a list without duplicates, got "1,1"');
    expect(() => parseSeeds('x')).toThrow(
      '--seeds must be a count N, a range a..b or a comma-separated list of integer seeds, got "x"',
    );
    expect(() => parseSeeds('1,4294967296')).toThrow('--seeds must be seeds below 2^32');
  });

  it('--shard: 1-based i/n', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(parseShard('4/4')).toEqual({ index: 4, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', '1', 'a/b', '1/2/3']) {
      expect(() => parseShard(bad)).toThrow(
        `uqjs-bench: --shard must be i/n with integers 1 <= i <= n (e.g. 2/8), got "${bad}"`,
      );
    }
  });

  it('--split: three positive sizes', () => {
    expect(parseSplit('6000/2000/2000')).toEqual({ train: 6000, validation: 2000, test: 2000 });
    for (const bad of ['6000/2000', '0/1/1', '1/1/x', '1.5/1/1']) {
      expect(() => parseSplit(bad)).toThrow(`--split must be train/validation/test sizes`);
    }
  });
});
