import { deriveSeed, type Seed } from '@uqjs/core';

/**
 * A fast stream of random 32-bit words for filling large noise buffers in JavaScript
 * (internal). The generator is xoshiro128** (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", 2021), seeded by expanding one 32-bit seed with the
 * SplitMix32 sequence.
 *
 * Every row of a noise tensor gets its own stream, seeded by `deriveSeed(seed, row)`: the
 * numbers of row `i` depend only on `(seed, i)`, so a range of rows (one Monte Carlo chunk)
 * can be regenerated on its own and chunking never changes the samples.
 *
 * The state lives in int32 fields (`| 0` everywhere) so V8 keeps them unboxed; this is what
 * makes a fill of 10^6 values take a few milliseconds.
 */
export class RowBits {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: Seed) {
    this.reseed(seed);
  }

  /**
   * Restarts this stream from `seed`, exactly as `new RowBits(seed)` would, without
   * allocating: the row fills reuse one stream for all their rows.
   */
  reseed(seed: Seed): this {
    // SplitMix32: a Weyl sequence through the murmur3 finalizer, one word per state field.
    const x = seed | 0;
    this.s0 = splitMix32(x, 1);
    this.s1 = splitMix32(x, 2);
    this.s2 = splitMix32(x, 3);
    this.s3 = splitMix32(x, 4);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
    return this;
  }

  /** Restarts this stream as the stream of row `row` of the noise drawn with `seed`. */
  reseedRow(seed: Seed, row: number): this {
    return this.reseed(deriveSeed(seed, row));
  }

  /** Starts the stream of row `row` of the noise tensor drawn with `seed`. */
  static forRow(seed: Seed, row: number): RowBits {
    return new RowBits(deriveSeed(seed, row));
  }

  /** The next 32 random bits, as a signed int32. */
  next(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result | 0;
  }

  /**
   * A uniform number in the open interval `(0, 1)`: 23 random bits placed at the odd
   * multiples of `2^-24`, so every value is exact in float32 and neither 0 nor 1 can occur
   * (`log(u)` and `log(1 - u)` stay finite). Smallest value `2^-24`, largest `1 - 2^-24`.
   */
  uniform(): number {
    return ((this.next() >>> 9) + 0.5) * 1.1920928955078125e-7; // 2^-23
  }
}

/** The `k`-th SplitMix32 word (k = 1, 2, ...) after the state `x`. */
function splitMix32(x: number, k: number): number {
  let z = (x + Math.imul(k, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
