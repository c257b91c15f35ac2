import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  augment,
  randomTransforms,
  type TtaTransform,
  testTimeAugmentation,
} from '../src/index.js';

// Images [N, H, W, C] as nested JS arrays, for the independent reference below.
type Img = number[][][]; // [H][W][C]

/** The reference transform in float64, written from the TtaTransform definition. */
function reference(img: Img, t: TtaTransform): Img {
  const h = img.length;
  const w = img[0]!.length;
  let out = img;
  const scale = t.scale ?? 1;
  if (scale !== 1) {
    const bh = Math.round(h * scale);
    const bw = Math.round(w * scale);
    // Bilinear with half-pixel centres: source coordinate (i + 0.5) * in / out - 0.5, clamped at 0.
    const sample = (i: number, inSize: number, outSize: number) => {
      const s = Math.max(0, ((i + 0.5) * inSize) / outSize - 0.5);
      const lo = Math.floor(s);
      return { lo, hi: Math.min(lo + 1, inSize - 1), f: s - lo };
    };
    const big: Img = [];
    for (let i = 0; i < bh; i++) {
      const r = sample(i, h, bh);
      const row: number[][] = [];
      for (let j = 0; j < bw; j++) {
        const c = sample(j, w, bw);
        row.push(
          out[0]![0]!.map((_, ch) => {
            const top = out[r.lo]![c.lo]![ch]! * (1 - c.f) + out[r.lo]![c.hi]![ch]! * c.f;
            const bottom = out[r.hi]![c.lo]![ch]! * (1 - c.f) + out[r.hi]![c.hi]![ch]! * c.f;
            return top * (1 - r.f) + bottom * r.f;
          }),
        );
      }
      big.push(row);
    }
    const top = Math.floor((bh - h) / 2);
    const left = Math.floor((bw - w) / 2);
    out = big.slice(top, top + h).map((row) => row.slice(left, left + w));
  }
  const dx = t.dx ?? 0;
  const dy = t.dy ?? 0;
  const src = out;
  // Reflect without repeating the edge: index -1 -> 1, size -> size - 2.
  const reflect = (i: number, size: number) => (i < 0 ? -i : i >= size ? 2 * size - 2 - i : i);
  out = src.map((row, y) =>
    row.map((px, x) => {
      const sy = y - dy;
      const sx = x - dx;
      const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
      if (inside) return src[sy]![sx]!;
      if (t.padding === 'reflect') return src[reflect(sy, h)]![reflect(sx, w)]!;
      return px.map(() => 0);
    }),
  );
  if (t.flip === true) out = out.map((row) => [...row].reverse());
  return out;
}

function images(n: number, h: number, w: number, c: number, seed: number): tf.Tensor4D {
  return tf.randomUniform([n, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** Flatten + dense softmax with fixed weights: the hand computation can redo it. */
function linearModel(h: number, w: number, c: number, k: number) {
  const model = sequential();
  model.add(layers.flatten({ inputShape: [h, w, c] }));
  model.add(layers.dense({ units: k, activation: 'softmax' }));
  const d = h * w * c;
  const kernel = Array.from({ length: d * k }, (_, i) => Math.sin(i * 1.7) * 0.8);
  const bias = Array.from({ length: k }, (_, i) => 0.1 * i);
  model.layers[1]!.setWeights([tf.tensor2d(kernel, [d, k]), tf.tensor1d(bias)]);
  return { model, kernel, bias };
}

const TRANSFORMS: TtaTransform[] = [
  {},
  { flip: true },
  { dx: 2, dy: -1 },
  { dx: -1, dy: 2, padding: 'reflect' },
  { scale: 1.5 },
  { scale: 1.25, dx: 1, flip: true },
];

describe('augment', () => {
  it('matches the float64 reference for flips, shifts (zeros, reflect) and zooms', async () => {
    const x = images(2, 5, 6, 2, 1);
    const xs = (await x.array()) as Img[];
    for (const t of TRANSFORMS) {
      const got = (await augment(x, t).array()) as Img[];
      expect(got.length).toBe(2);
      got.forEach((img, n) => {
        const want = reference(xs[n]!, t);
        img.forEach((row, i) => {
          row.forEach((px, j) => {
            px.forEach((v, ch) => {
              // Bilinear weights and float32 values in [0, 1]: float32 rounding < 1e-6.
              expect(Math.abs(v - want[i]![j]![ch]!)).toBeLessThan(1e-5);
            });
          });
        });
      });
    }
    x.dispose();
  });

  it('shifts by whole pixels: dx = 1 moves content right and fills column 0 with zeros', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    const out = augment(x, { dx: 1 });
    expect(await out.data()).toEqual(new Float32Array([0, 1, 2, 0, 4, 5]));
    const flipped = augment(x, { flip: true });
    expect(await flipped.data()).toEqual(new Float32Array([3, 2, 1, 6, 5, 4]));
    tf.dispose([x, out, flipped]);
  });
});

describe('testTimeAugmentation', () => {
  it('averages the members, each the model on one transformed copy (hand computation)', async () => {
    const [h, w, c, k] = [4, 5, 1, 3];
    const { model, kernel, bias } = linearModel(h, w, c, k);
    const x = images(3, h, w, c, 2);
    const xs = (await x.array()) as Img[];
    const tta = testTimeAugmentation(model, x, { transforms: TRANSFORMS });
    expect(tta.members.shape).toEqual([TRANSFORMS.length, 3, k]);
    expect(tta.probs.shape).toEqual([3, k]);
    expect(tta.variance.shape).toEqual([3, k]);
    const members = (await tta.members.array()) as number[][][];
    const probs = (await tta.probs.array()) as number[][];
    const variance = (await tta.variance.array()) as number[][];
    for (let n = 0; n < 3; n++) {
      const byHand = TRANSFORMS.map((t) => {
        const flat = reference(xs[n]!, t).flat(2);
        const logits = bias.map((b, j) => flat.reduce((s, v, i) => s + v * kernel[i * k + j]!, b));
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        return e.map((v) => v / e.reduce((a, b) => a + b, 0));
      });
      for (let j = 0; j < k; j++) {
        const column = byHand.map((p) => p[j]!);
        const mean = column.reduce((a, b) => a + b, 0) / column.length;
        const varHand = column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length;
        // float32 dot products of 20 terms of size <= 0.8: errors ~1e-6 in the probabilities.
        column.forEach((p, t) => {
          expect(Math.abs(members[t]![n]![j]! - p)).toBeLessThan(1e-5);
        });
        expect(Math.abs(probs[n]![j]! - mean)).toBeLessThan(1e-5);
        expect(Math.abs(variance[n]![j]! - varHand)).toBeLessThan(1e-5);
      }
    }
    tf.dispose([x, tta]);
    model.dispose();
  });

  it('gives identical members for a flip-invariant model', async () => {
    // Global average pooling forgets where a pixel is: flips cannot change the output.
    const model = sequential();
    model.add(layers.globalAveragePooling2d({ inputShape: [6, 6, 2] }));
    model.add(layers.dense({ units: 3, activation: 'softmax' }));
    const x = images(4, 6, 6, 2, 3);
    const tta = testTimeAugmentation(model, x, { transforms: [{}, { flip: true }] });
    const [a, b] = (await tta.members.array()) as number[][][];
    // Same numbers summed in another order: float32 rounding only.
    a!.forEach((row, n) => {
      row.forEach((v, j) => {
        expect(Math.abs(v - b![n]![j]!)).toBeLessThan(1e-6);
      });
    });
    for (const v of await tta.variance.data()) expect(v).toBeLessThan(1e-12);
    tf.dispose([x, tta]);
    model.dispose();
  });

  it('applies softmax to logits and draws seeded random transforms', async () => {
    const { model } = linearModel(4, 4, 1, 2);
    const logitsModel = sequential();
    logitsModel.add(layers.flatten({ inputShape: [4, 4, 1] }));
    const dense = layers.dense({ units: 2 });
    logitsModel.add(dense);
    dense.setWeights(model.layers[1]!.getWeights());
    const x = images(2, 4, 4, 1, 4);
    const a = testTimeAugmentation(model, x, { transforms: 5, seed: 9, maxShift: 1 });
    const b = testTimeAugmentation(logitsModel, x, {
      transforms: randomTransforms(5, 9, { maxShift: 1 }),
      output: 'logits',
    });
    const [pa, pb] = [await a.members.data(), await b.members.data()];
    pa.forEach((v, i) => {
      expect(Math.abs(v - pb[i]!)).toBeLessThan(1e-6);
    });
    expect(randomTransforms(5, 9)).toEqual(randomTransforms(5, 9));
    expect(randomTransforms(5, 9)).not.toEqual(randomTransforms(5, 10));
    expect(randomTransforms(5, 9)[0]).toEqual({});
    for (const t of randomTransforms(50, 1, { maxShift: 2, maxScale: 1.3 })) {
      expect(Math.abs(t.dx ?? 0)).toBeLessThanOrEqual(2);
      expect(t.scale ?? 1).toBeGreaterThanOrEqual(1);
      expect(t.scale ?? 1).toBeLessThanOrEqual(1.3);
    }
    tf.dispose([x, a, b]);
    model.dispose();
    logitsModel.dispose();
  });

  it('leaks no tensor', () => {
    const { model } = linearModel(4, 4, 1, 2);
    const x = images(2, 4, 4, 1, 5);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose(testTimeAugmentation(model, x, { transforms: TRANSFORMS, batchSize: 1 }));
      tf.dispose(augment(x, {}));
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('rejects bad arguments, naming them', () => {
    const { model } = linearModel(4, 4, 1, 2);
    const x = images(1, 4, 4, 1, 6);
    const flat = tf.zeros([2, 16]);
    expect(() => testTimeAugmentation(model, flat)).toThrow(ShapeError);
    expect(() => testTimeAugmentation(model, x, { transforms: [] })).toThrow(/options.transforms/);
    expect(() => testTimeAugmentation(model, x, { transforms: 3 })).toThrow(/options.seed/);
    expect(() => testTimeAugmentation(model, x, { transforms: [{ dx: 4 }] })).toThrow(
      /options.transforms\[0\].dx/,
    );
    expect(() => testTimeAugmentation(model, x, { transforms: [{}, { dy: 0.5 }] })).toThrow(
      /options.transforms\[1\].dy/,
    );
    expect(() => testTimeAugmentation(model, x, { transforms: [{ scale: 0.9 }] })).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      testTimeAugmentation(model, x, {
        transforms: [{ padding: 'edge' as 'zeros' }],
      }),
    ).toThrow(/padding/);
    expect(() => testTimeAugmentation(model, x, { output: 'raw' as 'logits' })).toThrow(
      /options.output/,
    );
    // null, arrays and tensors are no options object (arrays and tensors passed the old check).
    for (const bad of [null, [{ flip: true }], flat]) {
      expect(() => testTimeAugmentation(model, x, bad as never)).toThrow(
        /^testTimeAugmentation: options must be an options object \(or nothing\), got /,
      );
    }
    expect(() => augment(x, { flip: 1 as unknown as boolean })).toThrow(/transform.flip/);
    expect(() => randomTransforms(0, 1)).toThrow(/count/);
    expect(() => randomTransforms(2, 1, { maxScale: 0.5 })).toThrow(/maxScale/);
    tf.dispose([x, flat]);
    model.dispose();
  });
});
