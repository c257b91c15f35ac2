import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkMatrixTensor,
  checkNumbers,
  checkOptionsObject,
  checkRowLabels,
  checkTwoOrMoreColumns,
  DEFAULT_TOLERANCE,
  InvalidArgumentError,
  isArrayOrTypedArray,
  isDenseMatrix,
  isNestedArray,
  isTensor,
  readArrayMatrix,
  readArrayVector,
  readMatrix,
  readOptions,
  readTolerance,
  readVector,
  ShapeError,
  UqjsError,
} from '../src/index.js';

const nested = [
  [0.5, 0.25, 0.25],
  [0.1, 0.2, 0.7],
];

async function rejects(
  promise: Promise<unknown>,
  kind: typeof InvalidArgumentError,
  message: string,
): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toBe(message);
}

describe('input forms', () => {
  it('nested arrays, a dense matrix and a tensor read as the same row-major matrix', async () => {
    // Values exactly representable in float32 (multiples of 2^-k), so the tensor's float32
    // copy equals the float64 values bit for bit.
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (rows, cols, seed) => {
          const rowsOf = Array.from({ length: rows }, (_, i) =>
            Array.from({ length: cols }, (_, k) => ((seed + 7 * i + 3 * k) % 64) / 32 - 1),
          );
          const flat = rowsOf.flat();
          const t = tf.tensor2d(rowsOf);
          const forms = [rowsOf, { data: Float64Array.from(flat), numClasses: cols }, t];
          for (const form of forms) {
            const m = await readMatrix(form, 'x', 'f');
            expect([m.rows, m.cols]).toEqual([rows, cols]);
            expect(Array.from(m.data)).toEqual(flat);
          }
          t.dispose();
        },
      ),
      { numRuns: 30, seed: 11 },
    );
  });

  it('copies nested arrays, uses dense data and arrays as they are, creates no tensor', async () => {
    const data = new Float32Array(nested.flat());
    const dense = { data, numClasses: 3 };
    expect(readArrayMatrix(dense, 'probs', 'f').data).toBe(data);
    const copy = readArrayMatrix(nested, 'probs', 'f').data;
    expect(copy).toBeInstanceOf(Float64Array);
    const labels = Int32Array.from([0, 2]);
    expect(readArrayVector(labels, 'labels', 'f')).toBe(labels);
    const t = tf.tensor2d(nested);
    const y = tf.tensor1d([1, 0], 'int32');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await readMatrix(t, 'probs', 'f');
      expect(Array.from(await readVector(y, 'labels', 'f'))).toEqual([1, 0]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(t.isDisposed || y.isDisposed).toBe(false);
    tf.dispose([t, y]);
  });

  it('tells the forms apart', () => {
    const t = tf.tensor1d([1]);
    expect([isTensor(t), isTensor({ data: [1], numClasses: 1 }), isTensor([1])]).toEqual([
      true,
      false,
      false,
    ]);
    expect(isDenseMatrix({ data: [1], numClasses: 1 })).toBe(true);
    expect([isNestedArray([[1]]), isNestedArray([1]), isNestedArray([])]).toEqual([
      true,
      false,
      false,
    ]);
    expect(
      [[1], new Float32Array(1), new DataView(new ArrayBuffer(4)), { length: 1 }, 'ab'].map(
        isArrayOrTypedArray,
      ),
    ).toEqual([true, true, false, false, false]);
    t.dispose();
  });
});

describe('named errors', () => {
  it('matrices', async () => {
    const t3 = tf.zeros([1, 2, 2]);
    const empty = tf.zeros([0, 3]);
    const s = tf.tensor2d([['a', 'b']], [1, 2], 'string');
    const cases: [unknown, typeof InvalidArgumentError, string][] = [
      [[[1, 2], [3]], ShapeError, 'f: x[1] must be a row of length 2 (like x[0]), got [1]'],
      [[[1, '2']], InvalidArgumentError, 'f: x[0][1] must be a number, got "2"'],
      [[[]], ShapeError, 'f: x must be non-empty (at least one row), got [1, 0]'],
      [
        { data: [1, 2, 3], numClasses: 2 },
        InvalidArgumentError,
        'f: x.data.length must be a positive multiple of numClasses (2), got 3',
      ],
      [
        { data: [1], numClasses: 0 },
        InvalidArgumentError,
        'f: x.numClasses must be an integer >= 1, got 0',
      ],
      [
        { data: 'ab', numClasses: 1 },
        InvalidArgumentError,
        'f: x.data must be an array or typed array of numbers, got "ab"',
      ],
      [t3, ShapeError, 'f: x must be of rank 2, got [1, 2, 2]'],
      [empty, ShapeError, 'f: x must be non-empty (at least one row), got [0, 3]'],
      [
        s,
        InvalidArgumentError,
        'f: x.dtype must be a numeric dtype (float32, int32 or bool), got "string"',
      ],
      [
        [1, 2],
        InvalidArgumentError,
        'f: x must be an [N, K] matrix (number[][], { data, numClasses } or a rank-2 tensor), got [1, 2]',
      ],
    ];
    for (const [input, kind, message] of cases)
      await rejects(readMatrix(input, 'x', 'f'), kind, message);
    expect(() => checkMatrixTensor(t3, 'x', 'f')).toThrow(ShapeError);
    tf.dispose([t3, empty, s]);
  });

  it('vectors', async () => {
    const t2 = tf.zeros([2, 1]);
    const expected = 'an [N] vector (number[], a typed array or a rank-1 tensor)';
    await rejects(
      readVector([[1]], 'y', 'f'),
      InvalidArgumentError,
      `f: y must be ${expected}, got [[1]]`,
    );
    await rejects(
      readVector(null, 'y', 'f'),
      InvalidArgumentError,
      `f: y must be ${expected}, got null`,
    );
    await rejects(readVector(t2, 'y', 'f'), ShapeError, 'f: y must be of rank 1, got [2, 1]');
    t2.dispose();
  });

  it('entries, lengths, labels and columns', () => {
    expect(() => checkNumbers([1, null], 'y', 'f')).toThrow('f: y[1] must be a number, got null');
    expect(checkNumbers([1, 2], 'y', 'f')).toEqual([1, 2]);
    expect(() => checkRowLabels([0, 1], 3, 2, 'labels', 'f')).toThrow(
      'f: labels must be of shape [3] (one per row of probs), got [2]',
    );
    expect(() => checkRowLabels([0], 2, 2, 'labels', 'f', 'one per image')).toThrow(
      'f: labels must be of shape [2] (one per image), got [1]',
    );
    expect(() => checkRowLabels([0, 2], 2, 2, 'labels', 'f')).toThrow(
      'f: labels[1] must be an integer class label in [0, 1], got 2',
    );
    expect(checkRowLabels([1, 0], 2, 2, 'labels', 'f')).toEqual([1, 0]);
    expect(() => checkTwoOrMoreColumns([3, 1], 'probs', 'f', 'pass an [N] vector')).toThrow(
      'f: probs must be of shape [N, K] with K >= 2 (pass an [N] vector), got [3, 1]',
    );
    expect(() => checkTwoOrMoreColumns([3, 1], 'probs', 'f')).toThrow(
      'f: probs must be of shape [N, K] with K >= 2, got [3, 1]',
    );
    // An [N] vector has no columns to count: it passes.
    expect(() => checkTwoOrMoreColumns([3], 'probs', 'f')).not.toThrow();
  });

  it('options and tolerance', () => {
    expect(readOptions(undefined, 'f')).toEqual({});
    const opts = { bins: 3 };
    expect(readOptions(opts, 'f')).toBe(opts);
    for (const bad of [null, 3, 'a', [1]]) {
      expect(() => readOptions(bad as never, 'f')).toThrow(
        /^f: opts must be an options object \(or undefined\), got /,
      );
    }
    const t = tf.scalar(1);
    expect(() => readOptions(t as never, 'f')).toThrow(
      'f: opts must be an options object (or undefined), got ',
    );
    t.dispose();
    expect(readTolerance(undefined, 'f')).toBe(DEFAULT_TOLERANCE);
    expect(readTolerance(0.1, 'f')).toBe(0.1);
    expect(() => readTolerance(0, 'f')).toThrow(
      'f: opts.tolerance must be a finite number > 0, got 0',
    );
  });
});

describe('checkOptionsObject', () => {
  it('passes plain objects through, reads undefined as {}, rejects the rest naming the argument', () => {
    const opts = { alpha: 0.1 };
    expect(checkOptionsObject(opts, 'options', 'f')).toBe(opts);
    expect(checkOptionsObject(undefined, 'options', 'f')).toEqual({});
    // A plain object with data and shape fields that are no tensor's (data is no function).
    const lookalike = { data: [1], shape: [1] };
    expect(checkOptionsObject(lookalike, 'opts', 'f')).toBe(lookalike);
    const t = tf.tensor1d([1, 2]);
    for (const bad of [null, 3, 'a', [1], () => 1, true, t]) {
      let error: unknown;
      try {
        checkOptionsObject(bad as never, 'options', 'f');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(
        /^f: options must be an options object \(or undefined\), got /,
      );
    }
    t.dispose();
  });

  it('keeps the wording a caller gives for what was expected', () => {
    expect(() =>
      checkOptionsObject(null as never, 'options', 'g', 'an options object (or nothing)'),
    ).toThrow('g: options must be an options object (or nothing), got null');
  });
});

describe('any input gets its value or a UqjsError, never a TypeError', () => {
  // Mistakes a caller may make (null, strings, ragged or string rows, objects that look like
  // a matrix or a tensor), then anything fast-check makes.
  const junk = fc.oneof(
    fc.constantFrom(
      null,
      undefined,
      Number.NaN,
      'ab',
      { length: 2 },
      { data: null, numClasses: 2 },
      { data: [1, 2], numClasses: '2' },
      { shape: [2, 2] },
      [[1], null],
      [['1']],
      [null],
      Symbol('s'),
    ),
    fc.anything(),
  );
  const readers: [string, (x: unknown) => unknown][] = [
    ['readMatrix', (x) => readMatrix(x, 'x', 'f')],
    ['readVector', (x) => readVector(x, 'x', 'f')],
    ['checkNumbers', (x) => checkNumbers(x as never, 'x', 'f')],
    ['checkRowLabels', (x) => checkRowLabels(x as never, 2, 2, 'x', 'f')],
    ['checkRowLabels rows', (x) => checkRowLabels([0, 1], x as never, 2, 'x', 'f')],
    ['checkTwoOrMoreColumns', (x) => checkTwoOrMoreColumns(x as never, 'x', 'f')],
    ['readOptions', (x) => readOptions(x as never, 'f')],
    ['checkOptionsObject', (x) => checkOptionsObject(x as never, 'opts', 'f')],
    ['readTolerance', (x) => readTolerance(x, 'f')],
  ];
  it.each(readers)('%s', async (_name, reader) => {
    await fc.assert(
      fc.asyncProperty(junk, async (x) => {
        try {
          await reader(x);
        } catch (error) {
          if (!(error instanceof UqjsError)) throw error;
        }
      }),
      { seed: 5 },
    );
  });
});
