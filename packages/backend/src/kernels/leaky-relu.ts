import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  engine,
  type GradConfig,
  getBackend,
  getGradient,
  getKernel,
  LeakyRelu,
  registerGradient,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { elementwiseSimd } from './elementwise-simd.js';
import type { KernelArgs, SingleOutputKernel } from './kernel-scope.js';
import { simdLeakyReluFor, simdLeakyReluGradFor } from './leaky-relu-simd.js';
import { backendMemory } from './simd-module.js';

/**
 * The gradient of `LeakyRelu` as one kernel (not a tfjs kernel): `dx = x > 0 ? dy : alpha dy`
 * from `{ x, dy }` and the attribute `alpha`, where tfjs-core's gradient runs `Greater`,
 * `Multiply` and `Select`. {@link registerLeakyReluGradient} calls it where it is registered for
 * the active backend (`enableFastWasmTraining` registers it for `wasm`).
 *
 * @since 0.2.0
 */
export const LEAKY_RELU_GRAD = 'UqjsLeakyReluGrad';

/** `LeakyRelu`'s `alpha` attribute as a float32 (what both kernels multiply by). */
function alphaOf(args: KernelArgs): number {
  return Math.fround(Number(args.attrs?.alpha ?? 0.2));
}

/**
 * `LeakyRelu` for float32 tensors on wasm through the SIMD function of {@link simdLeakyReluFor}
 * (the stock kernel runs one value at a time), the last `size % 4` values in JavaScript; the
 * same values as the stock kernel. Other dtypes, and runtimes where the SIMD module cannot run,
 * go to the stock kernel.
 */
export function simdLeakyRelu(stock: SingleOutputKernel): SingleOutputKernel {
  return elementwiseSimd(
    stock,
    simdLeakyReluFor,
    (args) => [alphaOf(args)] as [number],
    (value, alpha) => (value < 0 ? Math.fround(alpha * value) : value),
  );
}

/**
 * {@link LEAKY_RELU_GRAD} on wasm: one SIMD pass ({@link simdLeakyReluGradFor}), the last
 * `size % 4` values in JavaScript. Inputs `{ x, dy }`, float32 of one shape; output `dx`.
 */
export function leakyReluGrad(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const backend = args.backend as BackendWasm;
  const alpha = alphaOf(args);
  const out = backend.makeOutput([...x.shape], 'float32');
  const simd = simdLeakyReluGradFor(backendMemory(backend));
  // Views after the allocation (which may grow, and detach, the heap).
  const [xs, dys, dxs] = [x, dy, out].map((info) => backend.typedArrayFromHeap(info)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const bulk = simd === null ? 0 : xs.length - (xs.length % 4);
  if (bulk > 0) simd!(xs.byteOffset, dys.byteOffset, dxs.byteOffset, bulk, alpha);
  for (let i = bulk; i < xs.length; i++) {
    dxs[i] = xs[i]! > 0 ? dys[i]! : Math.fround(alpha * dys[i]!);
  }
  return out;
}

let registered = false;

/**
 * Registers a gradient for tfjs-core's `LeakyRelu` kernel that runs {@link LEAKY_RELU_GRAD}
 * where that kernel is registered for the active backend and `x` and `dy` are float32 of one
 * shape, and tfjs-core's own gradient (`where(x > 0, dy, alpha dy)`, the same values) everywhere
 * else. Idempotent; until tfjs-core's gradients exist (importing `@tensorflow/tfjs-layers` or
 * `@tensorflow/tfjs` registers them) it does nothing and returns `false`, and a later call
 * registers. `enableFastWasmTraining` calls it on every call.
 *
 * @returns whether the gradient is registered now.
 */
export function registerLeakyReluGradient(): boolean {
  if (registered) return true;
  const original = getGradient(LeakyRelu);
  if (original === undefined) return false;
  const config: GradConfig = {
    kernelName: LeakyRelu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as Tensor[];
      const gradient = dy as Tensor;
      const fused =
        getKernel(LEAKY_RELU_GRAD, getBackend()) !== undefined &&
        x!.dtype === 'float32' &&
        gradient.dtype === 'float32' &&
        x!.size === gradient.size;
      if (!fused) return original.gradFunc(dy, saved, attrs);
      return {
        x: () => engine().runKernel(LEAKY_RELU_GRAD, { x: x!, dy: gradient }, attrs) as Tensor,
      };
    },
  };
  registerGradient(config);
  registered = true;
  return true;
}
