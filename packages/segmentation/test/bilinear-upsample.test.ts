import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Rng, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { interpolationMatrix } from '../src/bilinear-upsample.js';
import { bilinearUpsample, upsampleLogProbs } from '../src/index.js';

/**
 * Bilinear interpolation of one output pixel, from the definition: the output pixel center
 * `(i + 0.5)` maps to input coordinate `(i + 0.5) h / H - 0.5` (clamped to the grid), and the
 * value mixes the four surrounding input pixels by the fractional distances.
 */
function referenceUpsample(
  x: Float64Array,
  [batch, h, w, k]: [number, number, number, number],
  [height, width]: [number, number],
): Float64Array {
  const out = new Float64Array(batch * height * width * k);
  const coordinate = (i: number, n: number, size: number) =>
    Math.min(Math.max(((i + 0.5) * n) / size - 0.5, 0), n - 1);
  const at = (b: number, r: number, c: number, ch: number) => x[((b * h + r) * w + c) * k + ch]!;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < height; i++)
      for (let j = 0; j < width; j++) {
        const u = coordinate(i, h, height);
        const v = coordinate(j, w, width);
        const [r0, c0] = [Math.floor(u), Math.floor(v)];
        const [r1, c1] = [Math.min(r0 + 1, h - 1), Math.min(c0 + 1, w - 1)];
        const [tu, tv] = [u - r0, v - c0];
        for (let ch = 0; ch < k; ch++) {
          out[((b * height + i) * width + j) * k + ch] =
            (1 - tu) * ((1 - tv) * at(b, r0, c0, ch) + tv * at(b, r0, c1, ch)) +
            tu * ((1 - tv) * at(b, r1, c0, ch) + tv * at(b, r1, c1, ch));
        }
      }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('bilinearUpsample', () => {
  it('has interpolation rows that are non-negative and sum to 1', () => {
    for (const [out, inn] of [
      [8, 4],
      [12, 3],
      [5, 5],
      [7, 2],
    ] as const) {
      const m = interpolationMatrix(out, inn);
      for (let i = 0; i < out; i++) {
        const row = Array.from(m.subarray(i * inn, (i + 1) * inn));
        expect(Math.min(...row)).toBeGreaterThanOrEqual(0);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      }
    }
  });

  it('matches the per-pixel definition and tf.image.resizeBilinear (half-pixel centers)', async () => {
    const rng = new Rng(5);
    const shape: [number, number, number, number] = [2, 3, 4, 3];
    const values = Float64Array.from({ length: 72 }, () => rng.normal());
    for (const size of [
      [6, 8],
      [12, 8],
      [9, 13],
    ] as [number, number][]) {
      const x = tf.tensor4d(Float32Array.from(values), shape);
      const got = await bilinearUpsample(x, size).data();
      expect(maxAbsDiff(got, referenceUpsample(values, shape, size))).toBeLessThan(1e-5);
      const stock = await tf.image.resizeBilinear(x, size, false, true).data();
      expect(maxAbsDiff(got, stock)).toBeLessThan(1e-5);
      x.dispose();
    }
  });

  it('has the gradient of the per-pixel definition (float64 finite differences)', async () => {
    const rng = new Rng(13);
    const shape: [number, number, number, number] = [1, 3, 2, 2];
    const size: [number, number] = [7, 5];
    const values = Float64Array.from({ length: 12 }, () => rng.normal());
    const weights = Float64Array.from({ length: 7 * 5 * 2 }, () => rng.normal());
    const loss = (v: Float64Array) =>
      referenceUpsample(v, shape, size).reduce((acc, y, i) => acc + y * weights[i]!, 0);
    const want = values.map((value, i) => {
      const [plus, minus] = [values.slice(), values.slice()];
      plus[i] = value + 1e-3;
      minus[i] = value - 1e-3;
      return (loss(plus) - loss(minus)) / 2e-3;
    });
    const g = tf.tensor4d(Float32Array.from(weights), [1, 7, 5, 2]);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(bilinearUpsample(x, size), g)))(
      tf.tensor4d(Float32Array.from(values), shape),
    );
    expect(maxAbsDiff(await grad.data(), want)).toBeLessThan(1e-4);
    tf.dispose([g, grad]);
  });

  it('reproduces a linear field exactly away from the border', async () => {
    // f(r, c) = 2 r - 3 c + 1 on the 4x4 grid; upsampled 4x, the output pixel (i, j) sits at
    // input coordinate ((i + 0.5) / 4 - 0.5, ...), where a linear field is interpolated exactly.
    const h = 4;
    const field = Array.from({ length: h * h }, (_, n) => 2 * Math.floor(n / h) - 3 * (n % h) + 1);
    const x = tf.tensor4d(field, [1, h, h, 1]);
    const up = await bilinearUpsample(x, [16, 16]).data();
    for (let i = 2; i < 14; i++)
      for (let j = 2; j < 14; j++) {
        const u = (i + 0.5) / 4 - 0.5;
        const v = (j + 0.5) / 4 - 0.5;
        expect(up[i * 16 + j]).toBeCloseTo(2 * u - 3 * v + 1, 5);
      }
    x.dispose();
  });

  it('keeps upsampled log-probabilities normalized and equal to the input where neighbours agree', async () => {
    const rng = new Rng(9);
    const probs = tf.tidy(() =>
      tf.softmax(
        tf.tensor4d(
          Array.from({ length: 2 * 2 * 2 * 5 }, () => 3 * rng.normal()),
          [2, 2, 2, 5],
        ),
      ),
    );
    const logProbs = tf.log(probs);
    const up = upsampleLogProbs(logProbs, [8, 8]);
    const sums = await tf.sum(tf.exp(up), -1).data();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    // The corner output pixel (0, 0) clamps to the corner input pixel.
    const corner = await tf.slice(tf.exp(up), [0, 0, 0, 0], [2, 1, 1, 5]).data();
    const input = await tf.slice(probs, [0, 0, 0, 0], [2, 1, 1, 5]).data();
    expect(maxAbsDiff(corner, input)).toBeLessThan(1e-6);
    tf.dispose([probs, logProbs, up]);
  });

  it('names bad arguments', () => {
    const x = tf.zeros([1, 4, 4, 2]);
    expect(() => bilinearUpsample(tf.zeros([4, 4, 2]), [8, 8])).toThrow(ShapeError);
    expect(() => bilinearUpsample(tf.zeros([4, 4, 2]), [8, 8])).toThrow(
      /bilinearUpsample.*x.*rank 4/,
    );
    expect(() => bilinearUpsample(x, [2, 8])).toThrow(/size/);
    expect(() => bilinearUpsample(x, [8.5, 8])).toThrow(InvalidArgumentError);
    tf.dispose(x);
  });

  it('frees its intermediates', () => {
    const x = tf.ones([1, 3, 3, 2]);
    tf.dispose(bilinearUpsample(x, [6, 6]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(upsampleLogProbs(x, [6, 9]));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
