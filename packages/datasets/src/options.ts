import { InvalidArgumentError } from '@uqjs/core';

/**
 * An options argument as an object: `undefined` reads as `{}` (every option left out); `null`,
 * arrays and other non-objects are an `InvalidArgumentError` naming the argument, not a
 * `TypeError` from reading a property of `null`.
 */
export function checkOptions<T extends object>(
  opts: T | undefined,
  argument: string,
  fn: string,
  expected = 'an options object (or left out)',
): T {
  if (opts === undefined) return {} as T;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new InvalidArgumentError({ fn, argument, expected, given: opts });
  }
  return opts;
}
