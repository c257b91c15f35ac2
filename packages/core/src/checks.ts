import { InvalidArgumentError, ShapeError } from './errors.js';

/**
 * Input checks shared by every uqjs package. Each takes the value, the argument's name as
 * the caller wrote it and the public function's name, and throws an `InvalidArgumentError`
 * (or `ShapeError`) whose message names all three. Each returns its input, typed, so a
 * check can be written inline: `const k = checkPositiveInteger(opts.numSamples, 'numSamples', 'mcSoftmax')`.
 */

/** Anything with a shape: a `tf.Tensor`, or `{ shape: [2, 3] }`. */
export interface HasShape {
  readonly shape: readonly number[];
}

/** Numbers as a plain array or typed array. */
export type NumericArray = ArrayLike<number>;

function fail(fn: string, argument: string, expected: string, given: unknown): never {
  throw new InvalidArgumentError({ fn, argument, expected, given });
}

/**
 * Throws unless `value` is an object with an array `shape` (a tensor, or `{ shape }`) and, if
 * it has a `dtype`, a numeric one: every uqjs tensor argument holds numbers, and a `'string'`
 * tensor would otherwise fail later inside tfjs with a raw error.
 */
function checkHasShape(value: unknown, argument: string, fn: string): asserts value is HasShape {
  if (
    value === null ||
    typeof value !== 'object' ||
    !Array.isArray((value as { shape?: unknown }).shape)
  ) {
    fail(fn, argument, 'a tensor', value);
  }
  const dtype = (value as { dtype?: unknown }).dtype;
  if (dtype === 'string' || dtype === 'complex64') {
    fail(fn, `${argument}.dtype`, 'a numeric dtype (float32, int32 or bool)', dtype);
  }
}

/**
 * Throws unless `values` is array-like (an array or typed array: an object with an integer
 * `length`). Strings are refused: indexing one gives characters, not numbers.
 */
function checkArrayLike(
  values: unknown,
  argument: string,
  fn: string,
): asserts values is ArrayLike<unknown> {
  const length =
    values !== null && typeof values === 'object'
      ? (values as { length?: unknown }).length
      : undefined;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
    fail(fn, argument, 'an array of numbers', values);
  }
}

/**
 * Checks that `value` is a finite number (not NaN, not ±Infinity).
 *
 * @since 0.1.0
 */
export function checkFiniteNumber(value: unknown, argument: string, fn: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(fn, argument, 'a finite number', value);
  return value;
}

/**
 * Checks that `value` is a boolean (a layer flag, an option switch).
 *
 * @since 0.1.0
 */
export function checkBoolean(value: unknown, argument: string, fn: string): boolean {
  if (typeof value !== 'boolean') fail(fn, argument, 'a boolean', value);
  return value;
}

/**
 * Checks that `value` is a finite number > 0.
 *
 * @example
 * ```ts
 * checkPositive(0, 'temperature', 'mcSoftmax'); // throws: mcSoftmax: temperature must be a finite number > 0, got 0
 * ```
 * @since 0.1.0
 */
export function checkPositive(value: unknown, argument: string, fn: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(fn, argument, 'a finite number > 0', value);
  }
  return value;
}

/**
 * Checks that `value` is an integer >= `min` (default 0).
 *
 * @since 0.1.0
 */
export function checkInteger(value: unknown, argument: string, fn: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(fn, argument, `an integer >= ${min}`, value);
  }
  return value;
}

/**
 * Checks that `value` is an integer >= 1.
 *
 * @since 0.1.0
 */
export function checkPositiveInteger(value: unknown, argument: string, fn: string): number {
  return checkInteger(value, argument, fn, 1);
}

/**
 * Checks that `value` is a finite number in `[min, max]` (both ends included).
 *
 * @since 0.1.0
 */
export function checkInRange(
  value: unknown,
  argument: string,
  fn: string,
  min: number,
  max: number,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(fn, argument, `a number in [${min}, ${max}]`, value);
  }
  return value;
}

/**
 * Checks that `value` is one of `options` (string options such as a noise kind).
 *
 * @since 0.1.0
 */
export function checkOneOf<const T extends string>(
  value: unknown,
  options: readonly T[],
  argument: string,
  fn: string,
): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    fail(fn, argument, `one of ${options.map((o) => `'${o}'`).join(', ')}`, value);
  }
  return value as T;
}

/**
 * Checks the rank of a tensor (or anything with a `shape`). `rank` may list several
 * accepted ranks.
 *
 * @example
 * ```ts
 * checkRank(logits, 2, 'logits', 'fitTemperature'); // logits must be [batch, numClasses]
 * ```
 * @since 0.1.0
 */
export function checkRank<T extends HasShape>(
  value: T,
  rank: number | readonly number[],
  argument: string,
  fn: string,
): T {
  const ranks = typeof rank === 'number' ? [rank] : rank;
  checkHasShape(value, argument, fn);
  if (!ranks.includes(value.shape.length)) {
    const expected = ranks.length === 1 ? `of rank ${ranks[0]}` : `of rank ${ranks.join(' or ')}`;
    throw new ShapeError({
      fn,
      argument,
      expected,
      given: value.shape,
    });
  }
  return value;
}

/**
 * Checks a shape against an expected one; `null` entries match any size.
 *
 * @since 0.1.0
 */
export function checkShape<T extends HasShape>(
  value: T,
  expected: readonly (number | null)[],
  argument: string,
  fn: string,
): T {
  checkHasShape(value, argument, fn);
  const shape = value.shape;
  const ok =
    shape.length === expected.length &&
    expected.every((size, i) => size === null || size === shape[i]);
  if (!ok) {
    const want = `[${expected.map((s) => (s === null ? '*' : String(s))).join(', ')}]`;
    throw new ShapeError({ fn, argument, expected: `of shape ${want}`, given: shape });
  }
  return value;
}

/**
 * Checks that two tensors have the same shape; the message names both arguments.
 *
 * @since 0.1.0
 */
export function checkSameShape(
  a: HasShape,
  b: HasShape,
  argumentA: string,
  argumentB: string,
  fn: string,
): void {
  checkHasShape(a, argumentA, fn);
  checkHasShape(b, argumentB, fn);
  if (a.shape.length !== b.shape.length || a.shape.some((size, i) => size !== b.shape[i])) {
    throw new ShapeError({
      fn,
      argument: argumentB,
      expected: `of the same shape as ${argumentA} ([${a.shape.join(', ')}])`,
      given: b.shape,
    });
  }
}

/**
 * Checks that `values` is an array of finite numbers; reports the first offending index
 * (strings such as `'1'` are refused).
 *
 * @since 0.1.0
 */
export function checkAllFinite<T extends NumericArray>(values: T, argument: string, fn: string): T {
  checkArrayLike(values, argument, fn);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) fail(fn, `${argument}[${i}]`, 'finite', v);
  }
  return values;
}

/**
 * Checks integer class labels (numbers) in `[0, numClasses)`; reports the first offending index.
 *
 * @since 0.1.0
 */
export function checkLabels<T extends NumericArray>(
  labels: T,
  numClasses: number,
  argument: string,
  fn: string,
): T {
  checkPositiveInteger(numClasses, 'numClasses', fn);
  checkArrayLike(labels, argument, fn);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      fail(fn, `${argument}[${i}]`, `an integer class label in [0, ${numClasses - 1}]`, y);
    }
  }
  return labels;
}

/**
 * Checks a row-major `[rows, numClasses]` matrix of probabilities: every entry a number
 * (not a string) in `[0, 1]` and every row summing to 1 within `tolerance` (a finite number
 * > 0; default `1e-3`, loose enough for float32 softmax outputs of up to ~10^4 classes, tight
 * enough to catch logits passed as probabilities).
 *
 * @since 0.1.0
 */
export function checkProbabilities<T extends NumericArray>(
  probs: T,
  numClasses: number,
  argument: string,
  fn: string,
  tolerance = 1e-3,
): T {
  checkPositiveInteger(numClasses, 'numClasses', fn);
  checkPositive(tolerance, 'tolerance', fn);
  checkArrayLike(probs, argument, fn);
  if (probs.length % numClasses !== 0) {
    fail(fn, `${argument}.length`, `a multiple of numClasses (${numClasses})`, probs.length);
  }
  for (let row = 0; row < probs.length / numClasses; row++) {
    let sum = 0;
    for (let k = 0; k < numClasses; k++) {
      const p: unknown = probs[row * numClasses + k];
      // typeof first: '0.5' compares as a number but `sum += '0.5'` would concatenate.
      if (typeof p !== 'number' || !(p >= 0 && p <= 1))
        fail(fn, `${argument}[${row}][${k}]`, 'a probability in [0, 1]', p);
      sum += p;
    }
    if (Math.abs(sum - 1) > tolerance) {
      fail(fn, `${argument}[${row}]`, `a row summing to 1 (tolerance ${tolerance})`, sum);
    }
  }
  return probs;
}
