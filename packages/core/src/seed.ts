import { checkInteger } from './checks.js';
import { InvalidArgumentError } from './errors.js';

/**
 * Seeded randomness for every uqjs package.
 *
 * One user-facing seed fans out into independent, reproducible sub-seeds: one per MC chunk,
 * ensemble member, data shuffle or epoch. Sub-seeds are a hash of the parent seed and a path
 * of labels, so adding a consumer never shifts the numbers another consumer sees (unlike
 * drawing sub-seeds one after another from a shared generator).
 */

/** A 32-bit unsigned integer seed, accepted by every uqjs function and by `tf.random*`. */
export type Seed = number;

/** The murmur3 32-bit finalizer: a bijection on 32-bit integers with full avalanche. */
function mix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashLabel(label: number | string): number {
  if (typeof label === 'number') {
    checkInteger(label, 'path index', 'deriveSeed');
    // Fold the high bits in so indices above 2^32 stay distinct from small ones.
    return mix32((label >>> 0) ^ mix32(Math.floor(label / 2 ** 32) + 0x9e3779b9));
  }
  let h = 0x811c9dc5; // FNV-1a over UTF-16 code units, then finalized.
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/**
 * Checks a user-provided seed: an integer in `[0, 2^32)`.
 *
 * @since 0.1.0
 */
export function checkSeed(seed: unknown, argument: string, fn: string): Seed {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'an integer seed in [0, 2^32)',
      given: seed,
    });
  }
  return seed;
}

/**
 * Derives a sub-seed from a seed and a path of labels (numbers or strings).
 * The same inputs always give the same sub-seed; different paths give unrelated ones.
 *
 * @example
 * ```ts
 * const memberSeed = deriveSeed(42, 'ensemble', 3);
 * const shuffleSeed = deriveSeed(memberSeed, 'shuffle', epoch);
 * ```
 * @since 0.1.0
 */
export function deriveSeed(seed: Seed, ...path: readonly (number | string)[]): Seed {
  checkSeed(seed, 'seed', 'deriveSeed');
  let h = mix32(seed ^ 0x5bd1e995);
  path.forEach((label, i) => {
    if (typeof label !== 'number' && typeof label !== 'string') {
      throw new InvalidArgumentError({
        fn: 'deriveSeed',
        argument: `path[${i}]`,
        expected: 'a number or a string',
        given: label,
      });
    }
    h = mix32(Math.imul(h, 0x9e3779b1) ^ hashLabel(label));
  });
  return h;
}

/** A tree of reproducible seeds rooted at one seed. */
export interface SeedStream {
  /** The seed of this node. */
  readonly seed: Seed;
  /** The next sub-seed in sequence: the i-th call returns `deriveSeed(seed, i)`. */
  next(): Seed;
  /** The sub-stream at a labelled path, independent of how often `next()` was called. */
  child(...path: readonly (number | string)[]): SeedStream;
}

/**
 * Starts a stream of seeds: `next()` yields independent sub-seeds in order, `child(path)`
 * gives a named sub-stream.
 *
 * @example
 * ```ts
 * const seeds = seedStream(7);
 * const chunkSeeds = [seeds.next(), seeds.next()];
 * const members = seeds.child('members');
 * ```
 * @since 0.1.0
 */
export function seedStream(seed: Seed): SeedStream {
  checkSeed(seed, 'seed', 'seedStream');
  let counter = 0;
  return {
    seed,
    next: () => deriveSeed(seed, counter++),
    child: (...path) => seedStream(deriveSeed(seed, ...path)),
  };
}

/**
 * A small, fast, seeded pseudo-random generator (sfc32, seeded through the murmur3 mixer)
 * for work done in JavaScript: shuffles, label noise, toy datasets. Not cryptographic.
 *
 * @since 0.1.0
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: Seed) {
    checkSeed(seed, 'seed', 'Rng');
    this.a = mix32(seed ^ 0x9e3779b9);
    this.b = mix32(this.a ^ 0x243f6a88);
    this.c = mix32(this.b ^ 0xb7e15162);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A uniform number in `[0, 1)` with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** A uniform integer in `[0, n)`, without modulo bias. */
  int(n: number): number {
    checkInteger(n, 'n', 'Rng.int', 1);
    if (n > 2 ** 32)
      throw new InvalidArgumentError({
        fn: 'Rng.int',
        argument: 'n',
        expected: 'at most 2^32',
        given: n,
      });
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A standard normal draw (Box-Muller, both values of each pair used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    const length: unknown =
      array !== null && typeof array === 'object' ? (array as { length?: unknown }).length : null;
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
      throw new InvalidArgumentError({
        fn: 'Rng.shuffle',
        argument: 'array',
        expected: 'an array or typed array',
        given: array,
      });
    }
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of `0 .. n-1`; `n` in `[0, 2^31 - 1]` (what an `Int32Array` holds). */
  permutation(n: number): Int32Array {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) {
      throw new InvalidArgumentError({
        fn: 'Rng.permutation',
        argument: 'n',
        expected: 'an integer in [0, 2^31 - 1]',
        given: n,
      });
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}
