import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUqjsError, limited as m, withTimeLimit } from './time-limit.js';

/**
 * Every public function on bad input: each argument is either a valid value or junk (null,
 * undefined, NaN, strings, ragged arrays, objects, huge sizes, ...). Every outcome must be a
 * result or a `UqjsError`: never a `TypeError`/`RangeError`, a crash out of memory, or a call
 * that does not return within the time limit.
 */

const P = [
  [0.2, 0.8],
  [0.6, 0.4],
  [0.5, 0.5],
  [0.9, 0.1],
];
const Y = [1, 0, 1, 0];
const Z = [
  [1, 2],
  [0, 1],
  [2, 0],
  [0.5, -0.5],
];
const V = [0.1, 0.5, 0.9, 0.3];
const W = [0.2, 0.4, 0.65, 0.1];

const junkValues = [
  null,
  undefined,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  0,
  0.5,
  1e9,
  1e308,
  1e-310,
  -1e308,
  '',
  '0.5',
  'abc',
  true,
  {},
  [],
  [null],
  ['0.5', '0.5'],
  [[0.5, '0.5']],
  [[0.5, 0.5], [1]],
  [[0.5, 0.5], null],
  [[[0]], [0, [1]]],
  { data: null, numClasses: 2 },
  { data: [0.5, 0.5], numClasses: 1e9 },
  { data: '0.50.5', numClasses: 2 },
  { length: 1e9 },
  { shape: [2, 2] },
  () => 0,
  new Float32Array([Number.NaN, 1]),
  [1e-310, 2e-310, 3e-310, 5e-310],
  [1e308, -1e308, 1e308, -1e308],
];

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...junkValues),
  // Any other value; numbers kept small so that a valid size (bins: 5000) stays quick.
  fc.anything().filter((v) => typeof v !== 'number' || Math.abs(v) < 1e4),
);

/** A valid value most of the time, else junk. */
const or = (valid: unknown) => fc.oneof({ weight: 2, arbitrary: fc.constant(valid) }, junk);

const optionKeys = [
  'bins',
  'binning',
  'scope',
  'tolerance',
  'eps',
  'numResamples',
  'level',
  'seed',
  'minTemperature',
  'maxTemperature',
  'l2',
  'l2Bias',
  'maxIterations',
  'gradientTolerance',
  'ddof',
  'ignoreIndex',
  'scores',
  'width',
  'title',
] as const;

/** Options: absent, junk, or an object whose keys hold junk (or, sometimes, sensible values). */
const options = fc.oneof(
  fc.constant(undefined),
  junk,
  fc.dictionary(fc.constantFrom(...optionKeys), junk, { maxKeys: 3 }),
  fc.record(
    {
      bins: fc.constantFrom(1, 10, 5000, 10_000, 10_001, 1e9),
      numResamples: fc.constantFrom(1, 50, 1e6 + 1, 1e8),
      tolerance: fc.constantFrom(1e-17, 1e-300, 1e-3, 0.5),
      binning: fc.constantFrom('equal-width', 'equal-mass'),
      scope: fc.constantFrom('top-label', 'classwise'),
    },
    { requiredKeys: [] },
  ),
);

type Call = (args: unknown[]) => unknown;

const calls: [string, fc.Arbitrary<unknown>[], Call][] = [
  [
    'accuracy',
    [or(P), or(Y), options],
    ([p, y, o]) => m.accuracy(p as never, y as never, o as never),
  ],
  ['brier', [or(P), or(Y), options], ([p, y, o]) => m.brier(p as never, y as never, o as never)],
  ['nll', [or(P), or(Y), options], ([p, y, o]) => m.nll(p as never, y as never, o as never)],
  ['ece', [or(P), or(Y), options], ([p, y, o]) => m.ece(p as never, y as never, o as never)],
  ['mce', [or(P), or(Y), options], ([p, y, o]) => m.mce(p as never, y as never, o as never)],
  [
    'reliabilityDiagram',
    [or(P), or(Y), options],
    ([p, y, o]) => m.reliabilityDiagram(p as never, y as never, o as never),
  ],
  [
    'reliabilityDiagramSvg',
    [or(P), or(Y), options],
    ([p, y, o]) => m.reliabilityDiagramSvg(p as never, y as never, o as never),
  ],
  [
    'reliabilityDiagramSvg(diagram)',
    [or(m.reliabilityDiagram(P, Y)), options],
    ([d, o]) => m.reliabilityDiagramSvg(d as never, o as never),
  ],
  ['aurc', [or(P), or(Y), options], ([p, y, o]) => m.aurc(p as never, y as never, o as never)],
  [
    'riskCoverage',
    [or(P), or(Y), options],
    ([p, y, o]) => m.riskCoverage(p as never, y as never, o as never),
  ],
  [
    'bootstrapCI',
    [or(P), or(Y), or((p: never, y: never) => m.accuracy(p, y)), options],
    ([p, y, f, o]) => m.bootstrapCI(p as never, y as never, f as never, o as never),
  ],
  [
    'confusionMatrix',
    [
      or([
        [0, 1],
        [1, 1],
      ]),
      or([
        [0, 0],
        [1, 1],
      ]),
      or(2),
      options,
    ],
    ([p, y, k, o]) => m.confusionMatrix(p as never, y as never, k as never, o as never),
  ],
  [
    'meanIoU',
    [or([0, 1, 1]), or([0, 0, 1]), or(2), options],
    ([p, y, k, o]) => m.meanIoU(p as never, y as never, k as never, o as never),
  ],
  [
    'entropyDecomposition',
    [or([P, P.slice().reverse()]), options],
    ([x, o]) => m.entropyDecomposition(x as never, o as never),
  ],
  [
    'fitTemperature',
    [or(Z), or(Y), options],
    ([z, y, o]) => m.fitTemperature(z as never, y as never, o as never),
  ],
  [
    'fitVectorScaling',
    [or(Z), or(Y), options],
    ([z, y, o]) => m.fitVectorScaling(z as never, y as never, o as never),
  ],
  [
    'fitMatrixScaling',
    [or(Z), or(Y), options],
    ([z, y, o]) => m.fitMatrixScaling(z as never, y as never, o as never),
  ],
  ['meanStd', [or(V), options], ([v, o]) => m.meanStd(v as never, o as never)],
  ['pairedTTest', [or(V), or(W)], ([a, b]) => m.pairedTTest(a as never, b as never)],
  ['oodMetrics', [or(V), or(W)], ([a, b]) => m.oodMetrics(a as never, b as never)],
  ['maxProbScore', [or(P), options], ([p, o]) => m.maxProbScore(p as never, o as never)],
  [
    'negativeEntropyScore',
    [or(P), options],
    ([p, o]) => m.negativeEntropyScore(p as never, o as never),
  ],
  ['dempsterShaferScore', [or(Z)], ([z]) => m.dempsterShaferScore(z as never)],
  [
    'Calibration',
    [options, or(P), or(Y)],
    ([o, p, y]) => new m.Calibration(o as never).update(p as never, y as never).result(),
  ],
];

/** True when `f` returns or throws a UqjsError within the limit; other errors fail the test. */
function answersClearly(name: string, f: () => unknown): boolean {
  try {
    withTimeLimit(f, 5_000);
    return true;
  } catch (error) {
    if (isUqjsError(error)) return true;
    throw new Error(`${name} threw ${String(error)}`);
  }
}

describe('every metric answers bad input with a result or a UqjsError', () => {
  it.each(calls)('%s', (name, args, call) => {
    fc.assert(
      fc.property(fc.tuple(...args), (values) => answersClearly(name, () => call(values))),
      { numRuns: 200, seed: 19 },
    );
  });

  it('string tensors are refused, not read as numbers', () => {
    const s = tf.tensor1d(['0.5', '0.5'], 'string');
    const s2 = tf.tensor2d([['0.5', '0.5']], [1, 2], 'string');
    expect(answersClearly('ece', () => m.ece(s2, [0]))).toBe(true);
    expect(() => m.ece(s2, [0])).toThrow(
      'ece: probs.dtype must be a numeric dtype (float32, int32 or bool), got "string"',
    );
    expect(() => m.meanStd(s)).toThrow('meanStd: values.dtype must be a numeric dtype');
    tf.dispose([s, s2]);
  });
});
