import * as tf from '@tensorflow/tfjs-core';
import type { LatentModel, LikelihoodLink } from './mc-engine.js';
import { softmaxLink } from './softmax-link.js';

/**
 * The fused softmax path of the Monte Carlo engine (internal): on a backend that registers the
 * kernels below (`@uqjs/backend`'s `enableFastWasmTraining` does for `wasm`; this package does
 * not depend on it, so they are named here by the registry names `@uqjs/backend` exports as
 * `SOFTMAX_LOG_MEAN_EXP`, `SOFTMAX_LOG_MEAN_EXP_GRAD`, `DIAGONAL_SOFTMAX_LOG_MEAN_EXP` and
 * `DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD`), the per-sample log-softmax and the log-sum-exp over
 * samples of one chunk run as one kernel, and their backward pass as another, instead of the
 * link's and the engine's element-wise ops. For diagonal latents `loc + scale u`
 * ({@link LatentModel.diagonal}) the kernels also form the latents from `loc`, `scale`, `u` and
 * return `dL/dloc`, `dL/dscale`, so neither the `[C, B, ..., K]` latents nor their gradient
 * exist as tensors. Other backends (cpu, webgpu, ...) keep the element-wise path. Same numbers
 * to float32 rounding.
 *
 * Legend: `C` samples in one chunk, `B` batch, `...` middle axes, `K` classes.
 */
const FORWARD = 'UqjsSoftmaxLogMeanExp';
const BACKWARD = 'UqjsSoftmaxLogMeanExpGrad';
const DIAGONAL_FORWARD = 'UqjsDiagonalSoftmaxLogMeanExp';
const DIAGONAL_BACKWARD = 'UqjsDiagonalSoftmaxLogMeanExpGrad';

/** What {@link FusedSoftmax.forward} returns for one chunk. */
export interface FusedSoftmaxForward {
  /** What the backward pass reads besides the params and noise (the latents, or nothing). */
  readonly saved: tf.Tensor[];
  /** Per-sample softmax `p_s = softmax(x_s)` `[C, B, ..., K]`. */
  readonly probs: tf.Tensor;
  /** `log sum_s exp(l_s)` over the chunk's samples `[B, ..., K]`, `l_s = logSoftmax(x_s)`. */
  readonly lse: tf.Tensor;
}

/** The fused kernels' two passes over one chunk, for one latent model. */
export interface FusedSoftmax {
  /** One chunk's forward pass from the tempered params and the chunk's noise. */
  forward(params: readonly tf.Tensor[], noise: readonly tf.Tensor[]): FusedSoftmaxForward;
  /**
   * `dL/dparams` of one chunk from its forward pass, the log-sum-exp over all samples
   * `totalLse` `[B, ..., K]` and `dy = dL/dlog p` `[B, ..., K]`: with
   * `a_s = exp(l_s - totalLse) dy`, `dL/dx_s = a_s - p_s sum_k a_s`, then the latent model's
   * backward pass (in the kernel, for diagonal latents).
   */
  backward(
    params: readonly tf.Tensor[],
    noise: readonly tf.Tensor[],
    forward: Pick<FusedSoftmaxForward, 'saved' | 'probs'>,
    totalLse: tf.Tensor,
    dy: tf.Tensor,
  ): tf.Tensor[];
}

const registered = (...names: string[]) =>
  names.every((name) => tf.getKernel(name, tf.getBackend()) !== undefined);

/** The plain fused kernels on latents the model forms: any linear latent model. */
function latentsFusion(model: LatentModel): FusedSoftmax {
  return {
    forward: (params, noise) => {
      const latents = tf.tidy(() => model.latents(params, noise));
      const [probs, lse] = tf.engine().runKernel(FORWARD, { x: latents }, {}) as tf.Tensor[];
      return { saved: [latents], probs: probs!, lse: lse! };
    },
    backward: (params, noise, { saved: [x], probs }, totalLse, dy) => {
      const inputs = { x: x!, probs, lse: totalLse, dy };
      const dLatents = tf.engine().runKernel(BACKWARD, inputs, {}) as tf.Tensor;
      const grads = model.paramGradients(params, noise, dLatents);
      dLatents.dispose();
      return grads;
    },
  };
}

/** The diagonal kernels: `params = [loc, scale]`, `noise = [u]`, all `[C, B, ..., K]` after `C`. */
const diagonalFusion: FusedSoftmax = {
  forward: ([loc, scale], [u]) => {
    const inputs = { loc: loc!, scale: scale!, u: u! };
    const [probs, lse] = tf.engine().runKernel(DIAGONAL_FORWARD, inputs, {}) as tf.Tensor[];
    return { saved: [], probs: probs!, lse: lse! };
  },
  backward: ([loc, scale], [u], { probs }, totalLse, dy) => {
    const inputs = { loc: loc!, scale: scale!, u: u!, probs, lse: totalLse, dy };
    return tf.engine().runKernel(DIAGONAL_BACKWARD, inputs, {}) as tf.Tensor[];
  },
};

/**
 * The fused path the engine may take, or `null` for the element-wise one: it needs the softmax
 * link, no per-sample variance (the fused kernel does not return the shifted exponentials it
 * needs), float32 parameters and the plain kernels registered for the active backend; diagonal
 * latents take the diagonal kernels where those are registered too. (Unregistering the plain
 * pair, as the tests and `head-cost.mjs --element-wise` do, so selects the element-wise path.)
 */
export function fusedSoftmaxFor(
  model: LatentModel,
  link: LikelihoodLink,
  computeVariance: boolean,
): FusedSoftmax | null {
  if (link !== softmaxLink || computeVariance) return null;
  if (!model.params.every((p) => p.dtype === 'float32')) return null;
  if (!registered(FORWARD, BACKWARD)) return null;
  const diagonal = model.diagonal === true && registered(DIAGONAL_FORWARD, DIAGONAL_BACKWARD);
  return diagonal ? diagonalFusion : latentsFusion(model);
}
