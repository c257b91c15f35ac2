import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { enableFastWasmTraining } from '../src/index.js';
import {
  FLOAT32_SUM_TOLERANCE,
  normalArray,
  Rng,
  relativeError,
  valuesOn,
  wasmDataIds,
} from './helpers/compare.js';

/** A small CNN: conv 3x3 'same' -> leaky ReLU -> 2x2 max-pool stride 1 -> conv 3x3 stride 2 -> dense. */
const SHAPES = {
  x: [4, 9, 9, 2],
  w1: [3, 3, 2, 4],
  b1: [4],
  w2: [3, 3, 4, 6],
  w3: [54, 5], // after conv2: [4, 3, 3, 6] flattened
  b3: [5],
} as const;
type Param = Exclude<keyof typeof SHAPES, 'x'>;
const PARAMS: Param[] = ['w1', 'b1', 'w2', 'w3', 'b3'];

function logits(x: tf.Tensor4D, p: Record<Param, tf.Tensor>): tf.Tensor2D {
  const h1 = tf.leakyRelu(tf.add(tf.conv2d(x, p.w1 as tf.Tensor4D, 1, 'same'), p.b1), 0.1);
  const pooled = tf.maxPool(h1 as tf.Tensor4D, 2, 1, 'valid'); // [4, 8, 8, 4]
  const h2 = tf.leakyRelu(tf.conv2d(pooled, p.w2 as tf.Tensor4D, 2, 'valid'), 0.1); // [4, 3, 3, 6]
  // [4, 3, 3, 6] -> [4, 54]: flatten per example.
  return tf.add(tf.matMul(tf.reshape(h2, [4, 54]), p.w3 as tf.Tensor2D), p.b3);
}

function initialValues(seed: number): Record<Param | 'x', Float32Array> {
  const rng = new Rng(seed);
  const draw = (shape: readonly number[], scale: number) =>
    normalArray(rng, tf.util.sizeFromShape([...shape])).map((v) => v * scale);
  return {
    x: draw(SHAPES.x, 1),
    w1: draw(SHAPES.w1, 0.3),
    b1: draw(SHAPES.b1, 0.1),
    w2: draw(SHAPES.w2, 0.2),
    w3: draw(SHAPES.w3, 0.15),
    b3: draw(SHAPES.b3, 0.1),
  };
}

const LABELS = [0, 3, 1, 4];

/** One SGD step: returns [loss, gradients..., updated parameters...] in PARAMS order. */
function sgdStep(values: Record<Param | 'x', Float32Array>): tf.Tensor[] {
  const vars = Object.fromEntries(
    PARAMS.map((name) => [
      name,
      tf.variable(tf.tensor(values[name], [...SHAPES[name]]), true, name),
    ]),
  ) as Record<Param, tf.Variable>;
  const x = tf.tensor4d(values.x, [...SHAPES.x]);
  const onehot = tf.oneHot(tf.tensor1d(LABELS, 'int32'), 5);
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(onehot, logits(x, vars)) as tf.Scalar,
    Object.values(vars),
  );
  const gradients = PARAMS.map((name) => grads[vars[name].name]!);
  tf.train.sgd(0.1).applyGradients(grads);
  const updated = PARAMS.map((name) => vars[name].clone());
  for (const v of Object.values(vars)) v.dispose();
  return [value, ...gradients, ...updated];
}

describe('enableFastWasmTraining', () => {
  it('registers the nineteen kernels, replacing ten stock ones and adding nine', () => {
    expect(enableFastWasmTraining()).toEqual({
      kernels: [
        'BatchMatMul',
        '_FusedMatMul',
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'MaxPoolGrad',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'Identity',
        'Exp',
        'Sum',
        'Max',
        'Transpose',
        'LeakyRelu',
        'UqjsAdamUpdate',
        'UqjsLeakyReluGrad',
        'UqjsSoftmaxLogMeanExp',
        'UqjsSoftmaxLogMeanExpGrad',
        'UqjsDiagonalSoftmaxLogMeanExp',
        'UqjsDiagonalSoftmaxLogMeanExpGrad',
      ],
      replaced: [
        'BatchMatMul',
        '_FusedMatMul',
        'Conv2DBackpropInput',
        'MaxPoolGrad',
        'Identity',
        'Exp',
        'Sum',
        'Max',
        'Transpose',
        'LeakyRelu',
      ],
      added: [
        'Conv2DBackpropFilter',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'UqjsAdamUpdate',
        'UqjsLeakyReluGrad',
        'UqjsSoftmaxLogMeanExp',
        'UqjsSoftmaxLogMeanExpGrad',
        'UqjsDiagonalSoftmaxLogMeanExp',
        'UqjsDiagonalSoftmaxLogMeanExpGrad',
      ],
    });
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.backendName).toBe('cpu');
  });

  it('is idempotent: a second call changes nothing and returns the same record', () => {
    const first = enableFastWasmTraining();
    const kernel = tf.getKernel('BatchMatMul', 'wasm');
    expect(enableFastWasmTraining()).toBe(first);
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(kernel);
  });

  it('trains a small CNN (conv, max-pool stride 1, strided conv, dense) on wasm like on cpu', async () => {
    const values = initialValues(17);
    const got = await valuesOn('wasm', () => sgdStep(values));
    const want = await valuesOn('cpu', () => sgdStep(values));
    // Loss, 5 gradients, 5 updated parameters; float32 sums over <= 4*9*9*9 terms.
    expect(got).toHaveLength(11);
    got.forEach((g, i) => {
      expect(relativeError(g, want[i]!), `output ${i}`).toBeLessThan(FLOAT32_SUM_TOLERANCE);
    });
    // The step moved the weights (so comparing them is not comparing the initial values).
    expect(relativeError(want[6]!, values.w1)).toBeGreaterThan(1e-3);
  });

  it('leaks no tensor, no wasm buffer and no heap over 50 Adam steps', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('wasm');
    const values = initialValues(3);
    const vars = PARAMS.map((name) => tf.variable(tf.tensor(values[name], [...SHAPES[name]])));
    const params = Object.fromEntries(PARAMS.map((name, i) => [name, vars[i]!])) as Record<
      Param,
      tf.Variable
    >;
    const x = tf.tensor4d(values.x, [...SHAPES.x]);
    const onehot = tf.oneHot(tf.tensor1d(LABELS, 'int32'), 5);
    const optimizer = tf.train.adam(1e-3);
    const loss = () => tf.losses.softmaxCrossEntropy(onehot, logits(x, params)) as tf.Scalar;
    const step = () => tf.dispose(optimizer.minimize(loss, true) ?? []);
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
    try {
      for (let i = 0; i < 3; i++) step(); // Adam creates its slots on the first step
      const before = { tensors: tf.memory().numTensors, buffers: wasmDataIds(), heap: heap() };
      for (let i = 0; i < 50; i++) step();
      expect({ tensors: tf.memory().numTensors, buffers: wasmDataIds(), heap: heap() }).toEqual(
        before,
      );
    } finally {
      optimizer.dispose();
      tf.dispose([...vars, x, onehot]);
      await tf.setBackend(previous);
    }
  });

  it('works when called before the wasm backend initializes (stock kernels keep their setup)', () => {
    // A fresh process: register first, then initialize wasm, then run both the delegated
    // (untransposed) and the rewritten (transposed) products and a conv filter gradient.
    const dist = new URL('../dist/index.js', import.meta.url).href;
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import { enableFastWasmTraining } from '${dist}';
      enableFastWasmTraining();
      await tf.setBackend('wasm');
      const a = tf.tensor2d([[1, 2], [3, 4]]);
      const plain = await tf.matMul(a, a).data();
      const transposed = await tf.matMul(a, a, true, false).data();
      const dw = await tf.engine().runKernel('Conv2DBackpropFilter',
        { x: tf.ones([1, 3, 3, 1]), dy: tf.ones([1, 2, 2, 1]) },
        { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 1, 1] }).data();
      console.log(JSON.stringify([...plain, ...transposed, ...dw]));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // [[1,2],[3,4]]^2 = [[7,10],[15,22]]; A^T A = [[10,14],[14,20]]; each 2x2 tap sums 4 ones.
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual([
      7, 10, 15, 22, 10, 14, 14, 20, 4, 4, 4, 4,
    ]);
  });
});
