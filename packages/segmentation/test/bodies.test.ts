import type { io } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import {
  type LayersModel,
  loadLayersModel,
  model,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { enableFastWasmTraining, registerDilatedConv2dGradient } from '@uqjs/backend';
import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  buildAtrousFcn,
  buildUNet,
  MCSoftmaxPixelHead,
  oneHotMasks,
  segmentationLoss,
} from '../src/index.js';

// wasm needs the fast training kernels; both register the dilated-convolution gradient.
enableFastWasmTraining();
registerDilatedConv2dGradient();

async function weightValues(m: LayersModel): Promise<Float32Array[]> {
  return Promise.all(m.getWeights().map((w) => w.data() as Promise<Float32Array>));
}

/** Images `[N, 8, 8, 1]` of a bright square on noise, and its mask (1 inside, 0 outside, 255 on its border). */
function squares(n: number) {
  return tf.tidy(() => {
    const images: number[] = [];
    const masks: number[] = [];
    for (let i = 0; i < n; i++) {
      const [r0, c0] = [i % 3, (2 * i) % 3];
      for (let r = 0; r < 8; r++)
        for (let c = 0; c < 8; c++) {
          const inside = r >= r0 && r < r0 + 4 && c >= c0 && c < c0 + 4;
          const border = inside && (r === r0 || c === c0);
          images.push((inside ? 1 : -1) + 0.3 * Math.sin(17 * (i + 1) * r + 5 * c));
          masks.push(border ? 255 : inside ? 1 : 0);
        }
    }
    return { x: tf.tensor4d(images, [n, 8, 8, 1]), y: tf.tensor3d(masks, [n, 8, 8], 'int32') };
  });
}

/** Trains `body` + a two-class pixel head with Adam and returns the loss per step. */
async function trainLosses(
  body: LayersModel,
  heteroscedastic: boolean,
  steps: number,
): Promise<number[]> {
  const head = new MCSoftmaxPixelHead({
    numClasses: 2,
    heteroscedastic,
    numSamples: 8,
    sampleDownsample: 2,
    seed: 5,
  });
  const net = model({
    inputs: body.inputs,
    outputs: head.apply(body.outputs[0]!) as SymbolicTensor,
  });
  net.compile({ optimizer: tf.train.adam(0.02), loss: segmentationLoss });
  const { x, y } = squares(6);
  const targets = oneHotMasks(y, 2);
  const history = await net.fit(x, targets, {
    epochs: steps,
    batchSize: 6,
    verbose: 0,
    shuffle: false,
  });
  tf.dispose([x, y, targets]);
  net.dispose();
  return history.history.loss as number[];
}

describe('buildUNet', () => {
  it('maps [B, H, W, C] to features [B, H, W, baseFilters], with skips and dropout', () => {
    const body = buildUNet({
      inputShape: [16, 8, 3],
      baseFilters: 4,
      depth: 2,
      dropoutRate: 0.2,
      seed: 1,
    });
    expect(body.outputs[0]!.shape).toEqual([null, 16, 8, 4]);
    const names = body.layers.map((l) => l.getClassName());
    expect(names.filter((n) => n === 'Concatenate')).toHaveLength(2);
    expect(names.filter((n) => n === 'Dropout')).toHaveLength(3); // bottleneck + 2 decoder levels
    expect(names.filter((n) => n === 'MaxPooling2D')).toHaveLength(2);
    const out = body.predict(tf.ones([2, 16, 8, 3])) as tf.Tensor;
    expect(out.shape).toEqual([2, 16, 8, 4]);
    out.dispose();
    body.dispose();
  });

  it('is deterministic by seed', async () => {
    const a = await weightValues(
      buildUNet({ inputShape: [8, 8, 1], baseFilters: 2, depth: 1, seed: 3 }),
    );
    const b = await weightValues(
      buildUNet({ inputShape: [8, 8, 1], baseFilters: 2, depth: 1, seed: 3 }),
    );
    const c = await weightValues(
      buildUNet({ inputShape: [8, 8, 1], baseFilters: 2, depth: 1, seed: 4 }),
    );
    expect(a.map((w) => Array.from(w))).toEqual(b.map((w) => Array.from(w)));
    expect(Array.from(a[0]!)).not.toEqual(Array.from(c[0]!));
  });

  it('names bad options', () => {
    expect(() => buildUNet({ inputShape: [12, 8, 1], depth: 3 })).toThrow(
      /opts.inputShape.*multiples of 8/,
    );
    expect(() => buildUNet({ inputShape: [8, 8] as never })).toThrow(InvalidArgumentError);
    expect(() => buildUNet({ inputShape: [8, 8, 1], depth: 0 })).toThrow(/opts.depth/);
    expect(() => buildUNet({ inputShape: [8, 8, 1], dropoutRate: 1 })).toThrow(/opts.dropoutRate/);
    expect(() => buildUNet({ inputShape: [8, 8, 1], baseFilters: 0 })).toThrow(/opts.baseFilters/);
    // Not an options object: null and arrays are named as opts; left out, opts.inputShape is missing.
    for (const bad of [null, [1], 3]) {
      expect(() => buildUNet(bad as never)).toThrow(
        /^buildUNet: opts must be an options object, got /,
      );
    }
    expect(() => buildUNet(undefined as never)).toThrow(
      /^buildUNet: opts.inputShape must be \[H, W, C\]/,
    );
  });

  it(`trains with the heteroscedastic pixel head on ${tf.getBackend()}: the loss decreases`, async () => {
    const body = buildUNet({ inputShape: [8, 8, 1], baseFilters: 4, depth: 1, seed: 2 });
    const losses = await trainLosses(body, true, 12);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]!);
  });
});

describe('a body with the pixel head', () => {
  it('round-trips through model.save / loadLayersModel with identical predictions', async () => {
    let artifacts: io.ModelArtifacts | undefined;
    const handler: io.IOHandler = {
      save: async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
      load: async () => artifacts!,
    };
    for (const body of [
      buildUNet({ inputShape: [8, 8, 1], baseFilters: 2, depth: 1, dropoutRate: 0.1, seed: 6 }),
      buildAtrousFcn({ inputShape: [8, 8, 1], baseFilters: 2, atrousRates: [1, 2], seed: 6 }),
    ]) {
      const head = new MCSoftmaxPixelHead({ numClasses: 3, numFactors: 1, numSamples: 8, seed: 1 });
      const net = model({
        inputs: body.inputs,
        outputs: head.apply(body.outputs[0]!) as SymbolicTensor,
      });
      const { x, y } = squares(2);
      const before = net.predict(x) as tf.Tensor;
      await net.save(handler);
      const loaded = await loadLayersModel(handler);
      const after = loaded.predict(x) as tf.Tensor;
      expect(Array.from(await after.data())).toEqual(Array.from(await before.data()));
      tf.dispose([x, y, before, after]);
      net.dispose();
      loaded.dispose();
    }
  });
});

describe('buildAtrousFcn', () => {
  it('maps [B, H, W, C] to features [B, H, W, baseFilters] with one dilated branch per rate', () => {
    const body = buildAtrousFcn({
      inputShape: [8, 8, 2],
      baseFilters: 4,
      atrousRates: [1, 2, 3],
      seed: 1,
    });
    expect(body.outputs[0]!.shape).toEqual([null, 8, 8, 4]);
    const rates = body.layers
      .filter((l) => l.getClassName() === 'Conv2D')
      .map((l) => (l.getConfig().dilationRate as number[])[0]);
    expect(rates.filter((r) => r !== undefined && r > 1).sort()).toEqual([2, 3]);
    body.dispose();
  });

  it('names bad options', () => {
    expect(() => buildAtrousFcn({ inputShape: [7, 8, 1] })).toThrow(/multiples of 2/);
    expect(() => buildAtrousFcn({ inputShape: [8, 8, 1], atrousRates: [] })).toThrow(
      /opts.atrousRates/,
    );
    expect(() => buildAtrousFcn({ inputShape: [8, 8, 1], atrousRates: [1, 0] })).toThrow(
      /opts.atrousRates\[1\]/,
    );
  });

  it(`trains (dilated convolutions have a gradient) with the homoscedastic head on ${tf.getBackend()}`, async () => {
    const body = buildAtrousFcn({
      inputShape: [8, 8, 1],
      baseFilters: 4,
      atrousRates: [1, 2],
      seed: 2,
    });
    const losses = await trainLosses(body, false, 12);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]!);
  });
});
