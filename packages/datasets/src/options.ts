import { checkOptionsObject } from '@uqjs/core';

/**
 * An options argument as an object: `undefined` reads as `{}` (every option left out); `null`,
 * arrays, tensors and other non-objects are an `InvalidArgumentError` naming the argument, not a
 * `TypeError` from reading a property of `null`. `@uqjs/core`'s `checkOptionsObject` with the
 * datasets' default wording.
 */
export function checkOptions<T extends object>(
  opts: T | undefined,
  argument: string,
  fn: string,
  expected = 'an options object (or left out)',
): T {
  return checkOptionsObject(opts, argument, fn, expected);
}
