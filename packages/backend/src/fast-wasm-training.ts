// Importing the wasm backend registers its stock kernels, which the kernels below wrap or
// call; it must happen before this module reads the registry.
import '@tensorflow/tfjs-backend-wasm';
import {
  _FusedMatMul,
  BatchMatMul,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  Exp,
  getKernel,
  Identity,
  type KernelConfig,
  type KernelFunc,
  LeakyRelu,
  Max,
  MaxPoolGrad,
  registerKernel,
  Sum,
  type TensorInfo,
  Transpose,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { BackendError } from '@uqjs/core';
import { ADAM_UPDATE, adamUpdate } from './kernels/adam-update.js';
import { untransposedMatMul } from './kernels/batch-mat-mul.js';
import { conv2dBackpropFilter } from './kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './kernels/conv2d-backprop-input.js';
import {
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
} from './kernels/depthwise-conv2d-backprop.js';
import { registerDilatedConv2dGradient } from './kernels/dilated-conv2d-grad.js';
import { simdExp } from './kernels/exp.js';
import { sharedIdentity } from './kernels/identity.js';
import type { KernelArgs, SingleOutputKernel } from './kernels/kernel-scope.js';
import { leadingAxisReduce, MAX, SUM } from './kernels/leading-axis-reduce.js';
import {
  LEAKY_RELU_GRAD,
  leakyReluGrad,
  registerLeakyReluGradient,
  simdLeakyRelu,
} from './kernels/leaky-relu.js';
import { maxPoolGrad } from './kernels/max-pool-grad.js';
import {
  DIAGONAL_SOFTMAX_LOG_MEAN_EXP,
  DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD,
  diagonalSoftmaxLogMeanExp,
  diagonalSoftmaxLogMeanExpGrad,
  SOFTMAX_LOG_MEAN_EXP,
  SOFTMAX_LOG_MEAN_EXP_GRAD,
  softmaxLogMeanExp,
  softmaxLogMeanExpGrad,
} from './kernels/softmax-log-mean-exp.js';
import { simdTranspose } from './kernels/transpose.js';

/**
 * What {@link enableFastWasmTraining} registered for the `wasm` backend.
 *
 * @since 0.1.0
 */
export interface FastWasmTraining {
  /** Every kernel name it registered, in registration order. */
  readonly kernels: readonly string[];
  /**
   * Those that replaced a stock wasm kernel. The stock `BatchMatMul` / `_FusedMatMul` still run
   * every product (on untransposed operands); the stock `Conv2DBackpropInput` and `MaxPoolGrad`
   * were slower in every case measured and are no longer called; the stock `Identity` still
   * clones string tensors, the stock `Exp` other dtypes, the stock `Sum` / `Max` other axes, and
   * the stock `Transpose` other permutations and dtypes, the stock `LeakyRelu` other dtypes.
   */
  readonly replaced: readonly string[];
  /** Those the stock wasm backend lacks (training a model that needs them fails without). */
  readonly added: readonly string[];
}

/** A kernel to register: its name and how to build it from the stock one (if any). */
interface KernelPlan {
  readonly name: string;
  readonly build: (
    stock: SingleOutputKernel | undefined,
  ) => (args: KernelArgs) => TensorInfo | TensorInfo[];
}

const PLANS: readonly KernelPlan[] = [
  {
    name: BatchMatMul,
    build: (stock) => untransposedMatMul(requireStock(BatchMatMul, stock), true),
  },
  {
    name: _FusedMatMul,
    build: (stock) => untransposedMatMul(requireStock(_FusedMatMul, stock), false),
  },
  { name: Conv2DBackpropFilter, build: () => conv2dBackpropFilter },
  { name: Conv2DBackpropInput, build: () => conv2dBackpropInput },
  { name: MaxPoolGrad, build: () => maxPoolGrad },
  { name: DepthwiseConv2dNativeBackpropFilter, build: () => depthwiseConv2dBackpropFilter },
  { name: DepthwiseConv2dNativeBackpropInput, build: () => depthwiseConv2dBackpropInput },
  { name: Identity, build: (stock) => sharedIdentity(requireStock(Identity, stock)) },
  { name: Exp, build: (stock) => simdExp(requireStock(Exp, stock)) },
  { name: Sum, build: (stock) => leadingAxisReduce(requireStock(Sum, stock), SUM) },
  { name: Max, build: (stock) => leadingAxisReduce(requireStock(Max, stock), MAX) },
  { name: Transpose, build: (stock) => simdTranspose(requireStock(Transpose, stock)) },
  { name: LeakyRelu, build: (stock) => simdLeakyRelu(requireStock(LeakyRelu, stock)) },
  { name: ADAM_UPDATE, build: () => adamUpdate },
  { name: LEAKY_RELU_GRAD, build: () => leakyReluGrad },
  { name: SOFTMAX_LOG_MEAN_EXP, build: () => softmaxLogMeanExp },
  { name: SOFTMAX_LOG_MEAN_EXP_GRAD, build: () => softmaxLogMeanExpGrad },
  { name: DIAGONAL_SOFTMAX_LOG_MEAN_EXP, build: () => diagonalSoftmaxLogMeanExp },
  { name: DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD, build: () => diagonalSoftmaxLogMeanExpGrad },
];

function requireStock(name: string, stock: SingleOutputKernel | undefined): SingleOutputKernel {
  if (stock === undefined) {
    throw new BackendError(
      `enableFastWasmTraining: the wasm backend has no stock '${name}' kernel to build on; ` +
        'install a matching @tensorflow/tfjs-backend-wasm (^4.22.0)',
    );
  }
  return stock;
}

let enabled: FastWasmTraining | undefined;

/**
 * Registers fast and complete training kernels for the TensorFlow.js `wasm` backend, built on
 * the fast kernels it already has (XNNPACK convolution and matrix product, transpose):
 *
 * - `BatchMatMul`, `_FusedMatMul` with `transposeA`/`transposeB` (every dense layer's backward
 *   pass): explicit `Transpose`, then the untransposed product, or the transposed product
 *   `(B A^T)^T` where that moves less data (~5-10x faster);
 * - `Conv2DBackpropFilter` (missing in tfjs-backend-wasm 4.22, so no CNN could train) and
 *   `Conv2DBackpropInput`: forward convolutions of transposed / padded / flipped / stride-spread
 *   tensors, for every stride, dilation, padding and data format;
 * - `MaxPoolGrad`: one JavaScript pass over the wasm heap (1.5-2x faster than stock);
 * - `DepthwiseConv2dNativeBackpropFilter` / `...BackpropInput` (missing): depthwise forward
 *   convolutions;
 * - `Identity`: shares the input buffer (reference-counted, as the `cpu` backend does) instead
 *   of copying it;
 * - `Exp` (softmax, log-sum-exp, the Monte Carlo heads): four lanes at a time in WebAssembly
 *   SIMD (~2x stock);
 * - `Sum`, `Max` over leading axes (e.g. over Monte Carlo samples): one streaming SIMD pass
 *   instead of a transpose and an innermost-axis reduction;
 * - `Transpose` of the last two axes (the transposed operands of the products above): 4 x 4
 *   blocks by WebAssembly SIMD shuffles (~20x stock on `[1024, 1024]`);
 * - `LeakyRelu`, and its gradient as one kernel, `UqjsLeakyReluGrad` ({@link LEAKY_RELU_GRAD}, not
 *   a tfjs kernel, which the `LeakyRelu` gradient this function registers calls on wasm):
 *   four lanes at a time, in place of a scalar loop forward and of `Greater`, `Multiply` and
 *   `Select` backward;
 * - `UqjsAdamUpdate` ({@link ADAM_UPDATE}, not a tfjs kernel): one Adam step of one weight
 *   tensor in a single WebAssembly SIMD pass over the wasm heap, which {@link fusedAdam} calls
 *   instead of about fourteen element-wise kernels (6x faster for the paper's MLP);
 * - `UqjsSoftmaxLogMeanExp` and its gradient ({@link SOFTMAX_LOG_MEAN_EXP},
 *   {@link SOFTMAX_LOG_MEAN_EXP_GRAD}, not tfjs kernels): the per-sample log-softmax and the
 *   log-mean-exp over Monte Carlo samples of `mcSoftmax` (`@uqjs/mc-softmax`) and their backward
 *   pass, a few passes over the wasm heap instead of about fifteen kernels;
 * - `UqjsDiagonalSoftmaxLogMeanExp` and its gradient ({@link DIAGONAL_SOFTMAX_LOG_MEAN_EXP},
 *   {@link DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD}): the same for diagonal latents
 *   `loc + scale u`, formed inside the row passes, with `dL/dloc` and `dL/dscale` summed over
 *   the samples in the backward row pass (no `[S, B, K]` latents or latent gradients).
 *
 * It also registers the gradient of dilated (atrous) `Conv2D` for every backend
 * ({@link registerDilatedConv2dGradient}), which tfjs-core lacks, and a `LeakyRelu` gradient
 * that calls `UqjsLeakyReluGrad` where it is registered (tfjs-core's own elsewhere, the same
 * values), on this and every later call (they register once tfjs-core's gradients exist).
 *
 * Results equal the `cpu` backend's to float32 rounding. Intermediates are freed inside each
 * kernel. Idempotent: later calls return the first call's result. Works before or after
 * `tf.setBackend('wasm')`; it changes nothing for other backends. `resolveBackend` calls it
 * whenever it picks `wasm`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { enableFastWasmTraining } from '@uqjs/backend';
 * await tf.setBackend('wasm');
 * const { added } = enableFastWasmTraining(); // added includes 'Conv2DBackpropFilter'
 * ```
 * @returns the kernel names registered, replaced and added.
 * @throws {BackendError} when the installed tfjs-backend-wasm lacks a kernel these build on.
 * @since 0.1.0
 */
export function enableFastWasmTraining(): FastWasmTraining {
  // Also on later calls: they register only once tfjs-core's gradients exist (tfjs-layers' import).
  registerDilatedConv2dGradient();
  registerLeakyReluGradient();
  if (enabled !== undefined) return enabled;
  const kernels: string[] = [];
  const replaced: string[] = [];
  const added: string[] = [];
  // Build every kernel first, so a missing stock kernel throws before the registry changes.
  const built = PLANS.map((plan) => {
    const stock = getKernel(plan.name, 'wasm');
    return {
      plan,
      stock,
      kernelFunc: plan.build(stock?.kernelFunc as SingleOutputKernel | undefined),
    };
  });
  for (const { plan, stock, kernelFunc } of built) {
    const config: KernelConfig = {
      kernelName: plan.name,
      backendName: 'wasm',
      kernelFunc: kernelFunc as KernelFunc,
      // The stock kernel's setup binds its wasm function; keep it so the stock kernel still
      // works (as a delegate) when the backend initializes after this call.
      ...(stock?.setupFunc !== undefined ? { setupFunc: stock.setupFunc } : {}),
      ...(stock?.disposeFunc !== undefined ? { disposeFunc: stock.disposeFunc } : {}),
    };
    if (stock !== undefined) unregisterKernel(plan.name, 'wasm');
    registerKernel(config);
    kernels.push(plan.name);
    (stock !== undefined ? replaced : added).push(plan.name);
  }
  enabled = { kernels, replaced, added };
  return enabled;
}
