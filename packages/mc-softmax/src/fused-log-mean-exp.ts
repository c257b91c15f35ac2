import * as tf from '@tensorflow/tfjs-core';
import type { LatentModel, LikelihoodLink } from './mc-engine.js';
import { softmaxLink } from './softmax-link.js';

/**
 * The fused softmax path of the Monte Carlo engine (internal): on a backend that registers the
 * two kernels below (`@uqjs/backend`'s `enableFastWasmTraining` does for `wasm`; this package
 * does not depend on it, so they are named here by the registry names `@uqjs/backend` exports
 * as `SOFTMAX_LOG_MEAN_EXP` and `SOFTMAX_LOG_MEAN_EXP_GRAD`), the per-sample log-softmax and the
 * log-sum-exp over samples of one chunk run as one kernel, and their backward pass as another,
 * instead of the link's and the engine's element-wise ops. Other backends (cpu, webgpu, ...)
 * keep the element-wise path. Same numbers to float32 rounding.
 *
 * Legend: `C` samples in one chunk, `B` batch, `...` middle axes, `K` classes.
 */
const FORWARD = 'UqjsSoftmaxLogMeanExp';
const BACKWARD = 'UqjsSoftmaxLogMeanExpGrad';

/**
 * Whether the engine may take the fused path: the softmax link, no per-sample variance (the
 * fused kernel does not return the shifted exponentials it needs), float32 parameters, and both
 * kernels registered for the active backend.
 */
export function canFuseSoftmax(
  model: LatentModel,
  link: LikelihoodLink,
  computeVariance: boolean,
): boolean {
  if (link !== softmaxLink || computeVariance) return false;
  if (!model.params.every((p) => p.dtype === 'float32')) return false;
  const backend = tf.getBackend();
  return (
    tf.getKernel(FORWARD, backend) !== undefined && tf.getKernel(BACKWARD, backend) !== undefined
  );
}

/** What {@link fusedSoftmaxForward} returns. */
export interface FusedSoftmaxForward {
  /** The tempered latents `x` `[C, B, ..., K]`, which the backward pass reads. */
  readonly latents: tf.Tensor;
  /** Per-sample softmax `p_s = softmax(x_s)` `[C, B, ..., K]`. */
  readonly probs: tf.Tensor;
  /** `log sum_s exp(l_s)` over the chunk's samples `[B, ..., K]`, `l_s = logSoftmax(x_s)`. */
  readonly lse: tf.Tensor;
}

/** One chunk's forward pass from tempered latents `x` `[C, B, ..., K]`, as one kernel. */
export function fusedSoftmaxForward(x: tf.Tensor): FusedSoftmaxForward {
  const [probs, lse] = tf.engine().runKernel(FORWARD, { x }, {}) as tf.Tensor[];
  return { latents: x, probs: probs!, lse: lse! };
}

/**
 * `dL/dx` `[C, B, ..., K]` of one chunk from its forward pass, the log-sum-exp over all
 * samples `totalLse` `[B, ..., K]` and `dy = dL/dlog p` `[B, ..., K]`:
 * `a_s = exp(l_s - totalLse) dy`, `dL/dx_s = a_s - p_s sum_k a_s`.
 */
export function fusedSoftmaxBackward(
  forward: Pick<FusedSoftmaxForward, 'latents' | 'probs'>,
  totalLse: tf.Tensor,
  dy: tf.Tensor,
): tf.Tensor {
  const inputs = { x: forward.latents, probs: forward.probs, lse: totalLse, dy };
  return tf.engine().runKernel(BACKWARD, inputs, {}) as tf.Tensor;
}
