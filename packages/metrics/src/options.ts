/** The options reader every metric uses (`@uqjs/core`'s: `undefined` or a plain object). Internal. */
export { readOptions } from '@uqjs/core';
