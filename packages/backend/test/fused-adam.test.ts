import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DataError, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FusedAdamOptimizer, fusedAdam } from '../src/index.js';
import { normalArray, Rng, relativeError, wasmDataIds } from './helpers/compare.js';

const SHAPES = [[3], [5, 7], [33, 31]] as const;
const STEPS = 10;

/**
 * Runs `STEPS` Adam steps of `optimizer()` on variables of `SHAPES` with seeded random
 * gradients on `backend`; returns the final weights, then every moment, as arrays.
 */
async function adamRun(
  backend: 'cpu' | 'wasm',
  optimizer: () => tf.Optimizer,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const rng = new Rng(5);
  const draw = (shape: readonly number[], scale: number) =>
    tf.tensor(
      normalArray(rng, tf.util.sizeFromShape([...shape])).map((x) => x * scale),
      [...shape],
    );
  const vars = SHAPES.map((shape, i) => tf.variable(draw(shape, 1), true, `${backend}-w${i}`));
  const opt = optimizer();
  try {
    for (let step = 0; step < STEPS; step++) {
      const grads = Object.fromEntries(vars.map((v) => [v.name, draw(v.shape, 0.1)]));
      opt.applyGradients(grads);
      tf.dispose(Object.values(grads));
    }
    const moments = (await opt.getWeights()).slice(1).map(({ tensor }) => tensor);
    return [...vars, ...moments].map((t) => t.dataSync() as Float32Array);
  } finally {
    opt.dispose();
    tf.dispose(vars);
  }
}

afterEach(async () => {
  await tf.setBackend('wasm');
});

describe('fusedAdam', () => {
  it('equals tf.train.adam (cpu) on wasm, where it runs the fused kernel', async () => {
    const want = await adamRun('cpu', () => tf.train.adam(0.01));
    const got = await adamRun('wasm', () => fusedAdam(0.01));
    expect(got).toHaveLength(3 * SHAPES.length);
    // Ten steps of float32 arithmetic in a different order (and beta^t in double instead
    // of a float32 product): errors of ~1e-7 relative per step.
    got.forEach((values, i) => {
      expect(relativeError(values, want[i]!), `output ${i}`).toBeLessThan(1e-5);
    });
    // The weights moved by ~STEPS * lr, so equal weights are not equal initial values.
    const initial = await adamRun('cpu', () => tf.train.sgd(0));
    expect(relativeError(want[2]!, initial[2]!)).toBeGreaterThan(1e-3);
  });

  it('equals tf.train.adam on cpu, where it composes tfjs ops', async () => {
    const want = await adamRun('cpu', () => tf.train.adam(0.01, 0.8, 0.99, 1e-6));
    const got = await adamRun('cpu', () => fusedAdam(0.01, 0.8, 0.99, 1e-6));
    got.forEach((values, i) => {
      expect(relativeError(values, want[i]!), `output ${i}`).toBeLessThan(1e-5);
    });
  });

  it('takes its defaults from tf.train.adam (lr 0.001, betas 0.9 / 0.999, the backend epsilon)', () => {
    expect(fusedAdam().getConfig()).toEqual(tf.train.adam().getConfig());
    const config = fusedAdam(0.02, 0.5, 0.75, 1e-3).getConfig();
    expect(config).toEqual({ learningRate: 0.02, beta1: 0.5, beta2: 0.75, epsilon: 1e-3 });
    const restored = FusedAdamOptimizer.fromConfig(FusedAdamOptimizer, config);
    expect(restored).toBeInstanceOf(FusedAdamOptimizer);
    expect(restored.getConfig()).toEqual(config);
    expect(restored.getClassName()).toBe('Adam');
  });

  it('trains a tfjs-layers model; saved with its optimizer state, it resumes under the stock Adam', async () => {
    const rng = new Rng(11);
    const x = tf.tensor2d(normalArray(rng, 16 * 6), [16, 6]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({
          units: 8,
          inputShape: [6],
          activation: 'tanh',
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
        }),
        tfl.layers.dense({
          units: 3,
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }),
        }),
      ],
    });
    const loss = (labels: tf.Tensor, logits: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(labels, logits);
    model.compile({ optimizer: fusedAdam(0.05), loss });
    const first = (await model.trainOnBatch(x, y)) as number;
    for (let i = 0; i < 20; i++) await model.trainOnBatch(x, y);
    const trained = (await model.trainOnBatch(x, y)) as number;
    expect(trained).toBeLessThan(first * 0.5);

    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer: true },
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    loaded.compile({ optimizer: loaded.optimizer, loss });
    expect(loaded.optimizer).toBeInstanceOf(tf.AdamOptimizer);
    expect(loaded.optimizer.iterations).toBe(22);

    // One more step each: the fused optimizer and the stock one restored from its state agree.
    await model.trainOnBatch(x, y);
    await loaded.trainOnBatch(x, y);
    const after = model.getWeights().map((w) => w.dataSync() as Float32Array);
    const afterLoaded = loaded.getWeights().map((w) => w.dataSync() as Float32Array);
    after.forEach((values, i) => {
      expect(relativeError(values, afterLoaded[i]!), `weight ${i}`).toBeLessThan(1e-5);
    });
    model.optimizer.dispose();
    loaded.optimizer.dispose();
    model.dispose();
    loaded.dispose();
    tf.dispose([x, y]);
  });

  it('restores the stock Adam state with setWeights and continues as the stock optimizer would', async () => {
    const w = tf.variable(tf.tensor1d([0.5, -1, 2, 0.25, -3]), true, 'resume-w');
    const start = w.clone();
    const gradient = tf.tensor1d([0.3, -0.2, 0.1, 0, 1]);
    const stock = tf.train.adam(0.1);
    for (let i = 0; i < 3; i++) stock.applyGradients([{ name: w.name, tensor: gradient }]);
    const fused = fusedAdam(0.1);
    await fused.setWeights(await stock.getWeights());
    expect(fused.iterations).toBe(3);
    const before = w.clone();
    fused.applyGradients({ [w.name]: gradient });
    const byFused = w.clone();
    w.assign(before);
    stock.applyGradients([{ name: w.name, tensor: gradient }]);
    expect(
      relativeError(byFused.dataSync() as Float32Array, w.dataSync() as Float32Array),
    ).toBeLessThan(1e-6);
    expect(
      relativeError(byFused.dataSync() as Float32Array, start.dataSync() as Float32Array),
    ).toBeGreaterThan(0.01);
    stock.dispose();
    fused.dispose();
    tf.dispose([w, start, gradient, before, byFused]);
  });

  it('skips a variable whose gradient is null and still counts the step', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'skip-w');
    const optimizer = fusedAdam(0.1);
    optimizer.applyGradients([{ name: w.name, tensor: null as unknown as tf.Tensor }]);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    expect(optimizer.iterations).toBe(1);
    optimizer.dispose();
    w.dispose();
  });

  it('leaks no tensor, no wasm buffer and no heap over 50 minimize steps', () => {
    const rng = new Rng(2);
    const w = tf.variable(tf.tensor2d(normalArray(rng, 64 * 33), [64, 33]), true, 'leak-w');
    const b = tf.variable(tf.zeros([33]), true, 'leak-b');
    const x = tf.tensor2d(normalArray(rng, 16 * 64), [16, 64]);
    const optimizer = fusedAdam(1e-3);
    const loss = () => tf.mean(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar;
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
    optimizer.minimize(loss); // creates the moments
    const before = { tensors: tf.memory().numTensors, buffers: wasmDataIds(), heap: heap() };
    for (let i = 0; i < 50; i++) optimizer.minimize(loss);
    expect({ tensors: tf.memory().numTensors, buffers: wasmDataIds(), heap: heap() }).toEqual(
      before,
    );
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before.tensors - 4); // its four moments are freed
    tf.dispose([w, b, x]);
  });

  it('rejects bad hyperparameters, naming the argument', () => {
    expect(() => fusedAdam(0)).toThrow(InvalidArgumentError);
    expect(() => fusedAdam(0)).toThrow(
      /fusedAdam: learningRate must be a finite number > 0, got 0/,
    );
    expect(() => fusedAdam(1e-3, 1)).toThrow(/beta1 must be a number in \[0, 1\), got 1/);
    expect(() => fusedAdam(1e-3, 0.9, -0.1)).toThrow(/beta2/);
    expect(() => fusedAdam(1e-3, 0.9, 0.999, 0)).toThrow(/epsilon must be a finite number > 0/);
    expect(() => fusedAdam(Number.NaN)).toThrow(/learningRate/);
  });

  it.each([
    'cpu',
    'wasm',
  ] as const)('rejects a NaN or infinite gradient on %s, naming it, and changes no weight or moment', async (backend) => {
    await tf.setBackend(backend);
    const a = tf.variable(tf.tensor1d([1, 2]), true, `finite-a-${backend}`);
    const b = tf.variable(tf.tensor1d([3, 4, 5]), true, `finite-b-${backend}`);
    const optimizer = fusedAdam(0.1);
    optimizer.applyGradients({ [a.name]: tf.ones([2]), [b.name]: tf.ones([3]) });
    const before = async () => [
      ...[a, b].map((v) => Array.from(v.dataSync())),
      ...(await optimizer.getWeights()).slice(1).map(({ tensor }) => Array.from(tensor.dataSync())),
    ];
    const snapshot = await before();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const grads = { [a.name]: tf.ones([2]), [b.name]: tf.tensor1d([0, bad, 1]) };
      expect(() => optimizer.applyGradients(grads)).toThrow(DataError);
      expect(() => optimizer.applyGradients(grads)).toThrow(
        `fusedAdam.applyGradients: the gradient of '${b.name}' holds NaN or infinite values; no weight was updated`,
      );
      tf.dispose(Object.values(grads));
    }
    expect(await before()).toEqual(snapshot);
    expect(optimizer.iterations).toBe(1);
    optimizer.dispose();
    tf.dispose([a, b]);
  });

  it('masks a step with a NaN gradient on a device backend without reading back', async () => {
    // A stand-in for webgl / webgpu: the cpu kernels under another backend name, so that the
    // optimizer takes its device path. Reads from the library go through the engine
    // (dataSync, arraySync, bufferSync): those are counted.
    const cpu = tf.findBackend('cpu')!;
    const Backend = cpu.constructor as new () => tf.KernelBackend;
    if (tf.findBackend('fake-device') === null) {
      tf.registerBackend('fake-device', () => new Backend());
      for (const kernel of tf.getKernelsForBackend('cpu')) {
        tf.registerKernel({ ...kernel, backendName: 'fake-device' });
      }
    }
    await tf.setBackend('fake-device');
    const engine = tf.engine();
    let reads = 0;
    const readSync = engine.readSync.bind(engine);
    engine.readSync = (dataId) => {
      reads++;
      return readSync(dataId);
    };
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'device-w');
    const u = tf.variable(tf.tensor1d([3]), true, 'device-u');
    const optimizer = fusedAdam(0.1);
    const good = { [w.name]: tf.ones([2]), [u.name]: tf.ones([1]) };
    const bad = { [w.name]: tf.ones([2]), [u.name]: tf.tensor1d([Number.NaN]) };
    optimizer.applyGradients(bad);
    expect(reads).toBe(0);
    engine.readSync = readSync;
    expect([...w.dataSync(), ...u.dataSync()]).toEqual([1, 2, 3]);
    optimizer.applyGradients(good);
    // The masked step kept the moments at 0 but counted, so this is Adam's step 2 from zero
    // moments with g = 1: m^ = (1 - b1) / (1 - b1^2), v^ = (1 - b2) / (1 - b2^2).
    const mHat = 0.1 / (1 - 0.9 ** 2);
    const vHat = 0.001 / (1 - 0.999 ** 2);
    const delta = (0.1 * mHat) / (Math.sqrt(vHat) + 1e-7);
    const moved = [...w.dataSync(), ...u.dataSync()];
    [1, 2, 3].forEach((start, i) => {
      expect(moved[i]).toBeCloseTo(start - delta, 5);
    });
    optimizer.dispose();
    tf.dispose([w, u, ...Object.values(good), ...Object.values(bad)]);
  });

  it('rejects a gradient of the wrong shape, an unknown variable, and a malformed state', async () => {
    const w = tf.variable(tf.zeros([2, 3]), true, 'bad-w');
    const optimizer = fusedAdam();
    const wrong = tf.zeros([3, 2]);
    expect(() => optimizer.applyGradients({ [w.name]: wrong })).toThrow(ShapeError);
    expect(() => optimizer.applyGradients({ [w.name]: wrong })).toThrow(
      /the gradient of 'bad-w' must be of shape \[2,3\]/,
    );
    // A bad pair after a good one: nothing is updated.
    const good = tf.variable(tf.ones([2]), true, 'good-w');
    expect(() =>
      optimizer.applyGradients([
        { name: good.name, tensor: tf.ones([2]) },
        { name: w.name, tensor: wrong },
      ]),
    ).toThrow(ShapeError);
    expect(Array.from(good.dataSync())).toEqual([1, 1]);
    expect(optimizer.iterations).toBe(0);
    good.dispose();
    expect(() => optimizer.applyGradients({ 'no-such-variable': wrong })).toThrow(
      /variableGradients must be gradients keyed by the names of registered variables, got "no-such-variable"/,
    );
    const iter = { name: 'iter', tensor: tf.scalar(1, 'int32') };
    await expect(
      optimizer.setWeights([iter, { name: 'bad-w/m', tensor: tf.zeros([2, 3]) }]),
    ).rejects.toThrow(DataError);
    // Moments of another model's shapes are caught at the next step.
    await optimizer.setWeights([
      iter,
      { name: 'x/m', tensor: tf.zeros([4]) },
      { name: 'x/v', tensor: tf.zeros([4]) },
    ]);
    expect(() => optimizer.applyGradients({ [w.name]: tf.zeros([2, 3]) })).toThrow(
      /optimizer state 'x\/m' must be of shape \[2,3\]/,
    );
    optimizer.dispose();
    tf.dispose([w, wrong]);
  });
});
