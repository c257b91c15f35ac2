import * as tf from '@tensorflow/tfjs-core';
import { BackendError, InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { resolveBackend } from '../src/index.js';

describe('resolveBackend', () => {
  it('honours UQJS_BACKEND=cpu and reports the choice', async () => {
    const messages: string[] = [];
    const chosen = await resolveBackend({
      env: { UQJS_BACKEND: 'cpu' },
      log: (m) => messages.push(m),
    });
    expect(chosen).toEqual({
      name: 'cpu',
      provider: '@tensorflow/tfjs-backend-cpu',
      gpu: false,
      reason: 'UQJS_BACKEND',
      fastWasmTraining: false,
    });
    expect(tf.getBackend()).toBe('cpu');
    expect(messages).toEqual([
      '[uqjs] backend: cpu (@tensorflow/tfjs-backend-cpu; chosen by UQJS_BACKEND)',
    ]);
  });

  it('honours UQJS_BACKEND=wasm, which then computes and can train a CNN', async () => {
    const messages: string[] = [];
    const chosen = await resolveBackend({
      env: { UQJS_BACKEND: 'wasm' },
      log: (m) => messages.push(m),
    });
    expect(chosen).toMatchObject({ name: 'wasm', fastWasmTraining: true });
    expect(tf.getBackend()).toBe('wasm');
    expect(messages).toEqual([
      '[uqjs] backend: wasm (@tensorflow/tfjs-backend-wasm; chosen by UQJS_BACKEND; fast wasm training kernels on)',
    ]);
    // Stock tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter; choosing wasm registers one.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await product.data())).toEqual([11]);
    product.dispose();
  });

  it('lets UQJS_BACKEND win over prefer', async () => {
    const chosen = await resolveBackend({
      env: { UQJS_BACKEND: 'cpu' },
      prefer: 'wasm',
      log: false,
    });
    expect(chosen.name).toBe('cpu');
    const preferred = await resolveBackend({ env: {}, prefer: 'wasm', log: false });
    expect(preferred).toMatchObject({ name: 'wasm', reason: 'prefer' });
  });

  it('explains how to install tensorflow when it cannot load', async () => {
    // libtensorflow cannot be installed on this machine, so neither provider loads here.
    const attempt = resolveBackend({ env: { UQJS_BACKEND: 'tensorflow' }, log: false });
    await expect(attempt).rejects.toThrow(BackendError);
    await expect(
      resolveBackend({ env: { UQJS_BACKEND: 'tensorflow' }, log: false }),
    ).rejects.toThrow(
      /backend 'tensorflow' \(from UQJS_BACKEND\) cannot be loaded \(@tensorflow\/tfjs-node-gpu: .*; @tensorflow\/tfjs-node: .*\); install one of them: `npm install @tensorflow\/tfjs-node-gpu`/,
    );
  });

  it('falls back automatically past a backend that cannot load, never trying webgpu', async () => {
    const messages: string[] = [];
    const chosen = await resolveBackend({ env: {}, log: (m) => messages.push(m) });
    expect(chosen).toMatchObject({ name: 'wasm', reason: 'auto' });
    expect(messages[0]).toMatch(/^\[uqjs\] backend: wasm .*skipped: tensorflow/);
    expect(messages[0]).not.toMatch(/webgpu/);
  });

  it('explains how to install webgpu when it is named and cannot load', async () => {
    // Neither the webgpu package (Dawn) nor @tensorflow/tfjs-backend-webgpu is installed here.
    await expect(resolveBackend({ env: {}, prefer: 'webgpu', log: false })).rejects.toThrow(
      /backend 'webgpu' \(from opts.prefer\) cannot be loaded \(webgpu \+ @tensorflow\/tfjs-backend-webgpu: .*\); install both: `npm install webgpu @tensorflow\/tfjs-backend-webgpu`/,
    );
    expect(tf.getBackend()).not.toBe('webgpu');
  });

  it('rejects an unknown backend name', async () => {
    await expect(resolveBackend({ env: { UQJS_BACKEND: 'webgl2' }, log: false })).rejects.toThrow(
      new InvalidArgumentError({
        fn: 'resolveBackend',
        argument: 'UQJS_BACKEND',
        expected: "one of 'tensorflow', 'webgpu', 'wasm', 'cpu'",
        given: 'webgl2',
      }).message,
    );
  });
});
