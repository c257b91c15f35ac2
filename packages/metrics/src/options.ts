import { InvalidArgumentError } from '@uqjs/core';

/**
 * Reads an options argument: `undefined` gives `{}`; anything but a plain object (`null`, a
 * number, a string, an array, a function) is an `InvalidArgumentError` naming `opts`. Internal.
 */
export function readOptions<T extends object>(opts: T | undefined, fn: string): T {
  if (opts === undefined) return {} as T;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts',
      expected: 'an options object (or undefined)',
      given: opts,
    });
  }
  return opts;
}
