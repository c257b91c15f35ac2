/**
 * Errors thrown by every uqjs package.
 *
 * A uqjs error message always reads `<fn>: <argument> <expected>, got <given>` so the caller
 * knows which argument to fix without reading the source. Catch `UqjsError` to handle any
 * of them; the subclasses tell the kind of problem apart.
 *
 * @since 0.1.0
 */
export class UqjsError extends Error {
  override name = 'UqjsError';
}

/** What describes a bad argument: the function, the argument, what was expected and given. */
export interface ArgumentProblem {
  /** The public function or layer that rejected the argument, e.g. `'mcSoftmax'`. */
  readonly fn: string;
  /** The argument's name as the caller wrote it, e.g. `'temperature'` or `'opts.numSamples'`. */
  readonly argument: string;
  /** What a valid value looks like, e.g. `'a number > 0'`. */
  readonly expected: string;
  /** The value that was given; formatted with {@link describeValue}. */
  readonly given: unknown;
}

/**
 * An argument has the wrong value (out of range, wrong type, NaN, unknown option).
 *
 * @example
 * ```ts
 * throw new InvalidArgumentError({ fn: 'mcSoftmax', argument: 'temperature', expected: 'a number > 0', given: 0 });
 * // mcSoftmax: temperature must be a number > 0, got 0
 * ```
 * @since 0.1.0
 */
export class InvalidArgumentError extends UqjsError {
  override name = 'InvalidArgumentError';
  readonly fn: string;
  readonly argument: string;

  constructor(problem: ArgumentProblem) {
    super(
      `${problem.fn}: ${problem.argument} must be ${problem.expected}, got ${describeValue(problem.given)}`,
    );
    this.fn = problem.fn;
    this.argument = problem.argument;
  }
}

/**
 * A tensor or array has the wrong rank or shape. `given` should be the offending shape.
 *
 * @since 0.1.0
 */
export class ShapeError extends InvalidArgumentError {
  override name = 'ShapeError';
}

/**
 * Data read from disk or the network is missing, truncated or corrupt.
 *
 * @since 0.1.0
 */
export class DataError extends UqjsError {
  override name = 'DataError';
}

/**
 * A requested TensorFlow.js backend cannot be loaded; the message says how to install it.
 *
 * @since 0.1.0
 */
export class BackendError extends UqjsError {
  override name = 'BackendError';
}

/**
 * Formats a value for an error message: numbers as written (`NaN`, `-Infinity`), strings
 * quoted, arrays of up to 8 items in brackets, shapes of tensors as `tensor of shape [2,3]`.
 *
 * @since 0.1.0
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = Array.from(value as ArrayLike<unknown>);
    const shown = items.slice(0, 8).map(describeValue).join(', ');
    return `[${shown}${items.length > 8 ? `, ... (${items.length} items)` : ''}]`;
  }
  if (typeof value === 'object' && 'shape' in value && Array.isArray(value.shape)) {
    return `tensor of shape [${value.shape.join(', ')}]`;
  }
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  return Object.prototype.toString.call(value);
}
