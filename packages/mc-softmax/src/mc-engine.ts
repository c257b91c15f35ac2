import * as tf from '@tensorflow/tfjs-core';
import { checkPositive, checkPositiveInteger, InvalidArgumentError } from '@uqjs/core';
import { checkOptionsObject } from './checks.js';
import { type FusedSoftmaxForward, fusedSoftmaxFor } from './fused-log-mean-exp.js';
import { logAddExp, logSumExpOverSamples, sumOverSamples } from './sample-sums.js';
import { tidyObject } from './tidy-object.js';

/**
 * The one Monte Carlo engine behind every uqjs heteroscedastic head (`mcSoftmax`,
 * `mcSoftmaxFactor`, and `mcSigmoid` in `@uqjs/mc-sigmoid`).
 *
 * Legend: `S` MC samples, `C` samples in one chunk, `B` batch, `K` classes (or outputs),
 * `...` any extra middle axes (e.g. pixels), `O` outcomes per sample (`K` for the softmax;
 * `K x 2` for the sigmoid's two classes).
 *
 * A head is a pair of small strategies:
 * - a {@link LatentModel}: how noise becomes latent utilities, `z_s = f(params, noise_s)`;
 * - a {@link LikelihoodLink}: the per-sample log-likelihood of each outcome, `l_s = g(z_s / tau)`
 *   (log-softmax, log-sigmoid, ...), and its backward pass.
 *
 * The engine estimates `log p = log (1/S) sum_s exp(l_s)` (log-mean-exp over samples, never
 * `log` of clipped probabilities, so it stays exact and differentiable at small `tau`), in
 * chunks of at most `maxSamplesInMemory` samples. Its backward pass is written out:
 * `dL/dl_s = dL/dlog p * exp(l_s - log sum_s exp(l_s))`, then the link's and the latent
 * model's backward passes, chunk by chunk, redrawing each chunk's noise from its seed
 * instead of keeping it, so peak memory follows the chunk size and not `S`. With a single
 * chunk the forward pass keeps its noise and intermediate results for the backward pass
 * instead (memory is one chunk either way), which saves the recomputation. With the softmax
 * link, on a backend that registers the fused kernels (`wasm` after `@uqjs/backend`'s
 * `enableFastWasmTraining`), the link's passes and the log-sum-exp over samples run as one
 * kernel each way (same numbers to float32 rounding; `computeVariance` keeps the element-wise path);
 * for diagonal latents those kernels also form the latents and return the parameters' gradients.
 *
 * @since 0.1.0
 */
export interface LatentModel {
  /**
   * The tensors the latents depend on; the engine returns gradients for each. The latents
   * must be linear (homogeneous of degree 1) in them jointly, `f(params / tau) = f(params) / tau`,
   * which lets the engine apply the temperature to the small parameter tensors instead of
   * the `[C, B, ..., K]` latents. True of `loc + scale * u` and of `loc + V e_R + d * e_K`.
   */
  readonly params: readonly tf.Tensor[];
  /**
   * Noise tensors for samples `first .. first + count`, each with the sample axis first.
   * Must depend only on the model's seed and the sample indices, so a chunk can be redrawn.
   */
  drawNoise(first: number, count: number): tf.Tensor[];
  /** Latents `[C, B, ..., K]` from (possibly temperature-scaled) `params` and one chunk's noise. */
  latents(params: readonly tf.Tensor[], noise: readonly tf.Tensor[]): tf.Tensor;
  /**
   * Whether the latents are `params[0] + params[1] * noise[0]` with all three `[C, B, ..., K]`
   * after the sample axis (`diagonalLatents` without `shareSamplesAcrossBatch`): the engine's
   * fused softmax kernels may then form the latents and their parameters' gradients themselves,
   * without `latents` and `paramGradients`. Unset means no.
   */
  readonly diagonal?: boolean;
  /** `dL/dparams` (one tensor per param, same shapes) from `dL/dlatents` `[C, B, ..., K]`. */
  paramGradients(
    params: readonly tf.Tensor[],
    noise: readonly tf.Tensor[],
    dLatents: tf.Tensor,
  ): tf.Tensor[];
}

/**
 * The per-sample likelihood of a head: maps tempered latents `x = z / tau` `[C, B, ..., K]`
 * to log-likelihoods of each outcome `[C, B, ..., O]` whose `exp` sums to 1 over the outcomes.
 *
 * @since 0.1.0
 */
export interface LikelihoodLink {
  /**
   * Per-sample log-likelihoods `[C, B, ..., O]` (e.g. `logSoftmax(x)`), and the tensors its
   * backward pass needs (e.g. `softmax(x)`), which the engine keeps or recomputes.
   */
  forward(x: tf.Tensor): { readonly logLik: tf.Tensor; readonly saved: tf.Tensor[] };
  /** `dL/dx` `[C, B, ..., K]` from the saved tensors and `dL/dlogLik` `[C, B, ..., O]`. */
  backward(saved: readonly tf.Tensor[], dLogLik: tf.Tensor): tf.Tensor;
  /** The exact model, no smoothing: 0/1 outcome indicators `[C, B, ..., O]` of the latents. */
  hardOutcomes(latents: tf.Tensor): tf.Tensor;
}

/**
 * Options of {@link mcEngine}.
 *
 * @since 0.1.0
 */
export interface McEngineOptions {
  /** Monte Carlo samples `S`. */
  readonly numSamples: number;
  /** Samples processed at once (chunk size `C`). */
  readonly maxSamplesInMemory: number;
  /** Softmax / sigmoid temperature `tau > 0`; a scalar tensor (e.g. learned) is differentiated. */
  readonly temperature: number | tf.Tensor;
  /** Average the hard outcomes of the latents instead of the smoothed likelihoods. */
  readonly argmax: boolean;
  /** Also return the variance over samples of the per-sample probabilities. */
  readonly computeVariance: boolean;
}

/**
 * What {@link mcEngine} returns; shapes `[B, ..., O]`.
 *
 * @since 0.1.0
 */
export interface McEngineResult {
  /** `mean_s exp(l_s)`: predictive probabilities of each outcome. */
  readonly probs: tf.Tensor;
  /** `log mean_s exp(l_s)`, computed in log space; `-Infinity` can occur only with `argmax`. */
  readonly logProbs: tf.Tensor;
  /** `mean_s (p_s - probs)^2` (population variance over samples), when asked for. Not differentiable. */
  readonly variance?: tf.Tensor;
}

const FN = 'mcEngine';

interface ChunkRange {
  readonly first: number;
  readonly count: number;
}

function chunkRanges(numSamples: number, chunkSize: number): ChunkRange[] {
  const ranges: ChunkRange[] = [];
  for (let first = 0; first < numSamples; first += chunkSize) {
    ranges.push({ first, count: Math.min(chunkSize, numSamples - first) });
  }
  return ranges;
}

/** Running mean and sum of squared deviations over samples (Chan et al.'s parallel update). */
interface Moments {
  readonly count: number;
  readonly mean: tf.Tensor;
  readonly m2: tf.Tensor;
}

/**
 * Moments of one chunk's per-sample probabilities `p_s = scaled_s * exp(max)`, whose
 * log-sum-exp over the chunk is `chunkLse`.
 */
function chunkMoments(
  scaled: tf.Tensor,
  max: tf.Tensor,
  chunkLse: tf.Tensor,
  count: number,
): Moments {
  const mean = tf.exp(tf.sub(chunkLse, Math.log(count)));
  const probs = tf.mul(scaled, tf.exp(max)); // [C, ...] * [...]
  const m2 = sumOverSamples(tf.square(tf.sub(probs, mean))); // [C, ...] - [...]
  return { count, mean, m2 };
}

function mergeMoments(a: Moments, b: Moments): Moments {
  const count = a.count + b.count;
  const delta = tf.sub(b.mean, a.mean);
  const mean = tf.add(a.mean, tf.mul(delta, b.count / count));
  const m2 = tf.add(tf.add(a.m2, b.m2), tf.mul(tf.square(delta), (a.count * b.count) / count));
  return { count, mean, m2 };
}

function checkOptions(options: McEngineOptions): void {
  const opts = checkOptionsObject(options, 'opts', FN);
  checkPositiveInteger(opts.numSamples, 'opts.numSamples', FN);
  checkPositiveInteger(opts.maxSamplesInMemory, 'opts.maxSamplesInMemory', FN);
  checkBooleanOption(opts.argmax, 'opts.argmax');
  checkBooleanOption(opts.computeVariance, 'opts.computeVariance');
  if (!(opts.temperature instanceof tf.Tensor)) {
    checkPositive(opts.temperature, 'opts.temperature', FN);
  } else if (opts.temperature.rank !== 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'opts.temperature',
      expected: 'a number or a scalar tensor',
      given: opts.temperature,
    });
  }
}

function checkBooleanOption(value: unknown, argument: string): void {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError({ fn: FN, argument, expected: 'a boolean', given: value });
  }
}

/** The exact model: average 0/1 outcomes of the latents over samples. */
function hardEstimate(
  model: LatentModel,
  link: LikelihoodLink,
  opts: McEngineOptions,
): McEngineResult {
  let counts: tf.Tensor | null = null;
  for (const { first, count } of chunkRanges(opts.numSamples, opts.maxSamplesInMemory)) {
    const chunkCounts = tf.tidy(() => {
      const latents = model.latents(model.params, model.drawNoise(first, count));
      // The product by 1 materializes float32 values: tfjs-backend-webgpu 4.22 casts int32 to
      // float32 by relabelling the buffer, and the Transpose behind an axis-0 sum then fails to
      // compile for it (the counts came out 0); a real float op gives it a float buffer.
      const outcomes = tf.mul(tf.cast(link.hardOutcomes(latents), 'float32'), 1);
      return sumOverSamples(outcomes);
    });
    counts = counts === null ? chunkCounts : tf.add(counts, chunkCounts);
  }
  const probs = tf.div(counts!, opts.numSamples);
  const logProbs = tf.log(probs);
  // A 0/1 indicator with mean P has variance P (1 - P).
  const variance = opts.computeVariance ? tf.mul(probs, tf.sub(1, probs)) : undefined;
  return variance === undefined ? { probs, logProbs } : { probs, logProbs, variance };
}

/** What the forward pass of one chunk computes. */
interface ChunkForward {
  readonly noise: tf.Tensor[];
  readonly logLik: tf.Tensor;
  readonly saved: tf.Tensor[];
}

/**
 * Runs `f` in a tidy that also frees `disposeAfter` once `f` is done: chunk intermediates are
 * released as soon as they are used, which keeps the peak near a few chunk-sized tensors.
 */
function consume<T extends object>(disposeAfter: readonly tf.Tensor[], f: () => T): T {
  const out = tidyObject(f);
  tf.dispose([...disposeAfter]);
  return out;
}

/** The smoothed estimate with a hand-written, chunk-recomputing backward pass. */
function smoothEstimate(
  model: LatentModel,
  link: LikelihoodLink,
  opts: McEngineOptions,
): McEngineResult {
  const chunks = chunkRanges(opts.numSamples, opts.maxSamplesInMemory);
  const single = chunks.length === 1;
  const numParams = model.params.length;
  let keptVariance: tf.Tensor | undefined;
  // With one chunk the forward pass keeps [...noise, ...link saved, scaled, max] (or, fused,
  // [...noise, ...fused saved, probs]) for the backward pass; these are the counts to unpack them.
  let numNoise = 0;
  let numLinkSaved = 0;

  // The softmax link's forward pass and the log-sum-exp over samples as one kernel, and the
  // backward pass as another, where the backend registers them (see fused-log-mean-exp.ts).
  const fused = fusedSoftmaxFor(model, link, opts.computeVariance);

  /** One chunk's noise and the fused kernel's outputs (what it saves, per-sample softmax, lse). */
  const evaluateFused = (
    params: readonly tf.Tensor[],
    { first, count }: ChunkRange,
  ): FusedSoftmaxForward & { readonly noise: tf.Tensor[] } => {
    const noise = model.drawNoise(first, count);
    return { noise, ...tidyObject(() => fused!.forward(params, noise)) };
  };

  /** One chunk's noise, per-sample log-likelihoods and the link's saved tensors. */
  const evaluate = (params: readonly tf.Tensor[], { first, count }: ChunkRange): ChunkForward => {
    const noise = model.drawNoise(first, count);
    const latents = tf.tidy(() => model.latents(params, noise));
    const { logLik, saved } = consume([latents], () => link.forward(latents));
    return { noise, logLik, saved };
  };

  /**
   * dL/dparams of one chunk from dL/dl_s `[C, B, ..., O]`, freeing intermediates as it goes;
   * `owned` says whether the noise and link tensors may be freed too (not the tape's cache).
   */
  const backPropagate = (
    params: readonly tf.Tensor[],
    noise: tf.Tensor[],
    linkSaved: tf.Tensor[],
    dLogLik: tf.Tensor,
    owned: boolean,
  ): tf.Tensor[] => {
    const dLatents = consume([dLogLik, ...(owned ? linkSaved : [])], () => ({
      d: link.backward(linkSaved, dLogLik),
    })).d;
    return consume([dLatents, ...(owned ? noise : [])], () =>
      model.paramGradients(params, noise, dLatents),
    );
  };

  const estimate = tf.customGrad((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const params = args as tf.Tensor[];
    let lse: tf.Tensor | null = null; // log sum_s exp(l_s) over the chunks so far, [B, ..., O]
    let moments: Moments | null = null;
    let cache: tf.Tensor[] = [];
    for (const chunk of chunks) {
      let chunkLse: tf.Tensor;
      let stats: Moments | null = null;
      if (fused !== null) {
        const { noise, saved, probs, lse: fusedLse } = evaluateFused(params, chunk);
        numNoise = noise.length;
        numLinkSaved = saved.length;
        chunkLse = fusedLse;
        if (single) cache = [...noise, ...saved, probs];
        else tf.dispose([...noise, ...saved, probs]);
      } else {
        const { noise, logLik, saved } = evaluate(params, chunk);
        numNoise = noise.length;
        numLinkSaved = saved.length;
        const sums = consume([logLik], () => logSumExpOverSamples(logLik));
        const { max, scaled } = sums;
        chunkLse = sums.lse;
        stats = opts.computeVariance
          ? tidyObject(() => chunkMoments(scaled, max, sums.lse, chunk.count))
          : null;
        if (single) {
          cache = [...noise, ...saved, scaled, max];
        } else {
          tf.dispose([...noise, ...saved, scaled, max]);
        }
      }
      // The running totals are [B, ..., O] each; free the previous ones at every chunk, so
      // memory does not grow with the number of chunks (it matters for pixel maps).
      if (lse === null) {
        lse = chunkLse;
      } else {
        const previous: tf.Tensor = lse;
        lse = consume([previous, chunkLse], () => ({ t: logAddExp(previous, chunkLse) })).t;
      }
      if (stats !== null) {
        const previous = moments as Moments | null;
        moments =
          previous === null
            ? stats
            : consume([previous.mean, previous.m2, stats.mean, stats.m2], () =>
                mergeMoments(previous, stats),
              );
      }
    }
    if (moments !== null) keptVariance = tf.keep(tf.div(moments.m2, moments.count));
    save([...params, lse!, ...cache]);

    /** dL/dparams of one chunk; `dy` is dL/dlog p `[B, ..., O]`, `totalLse` is log sum_s exp(l_s). */
    const chunkGradients = (
      savedParams: tf.Tensor[],
      cached: tf.Tensor[],
      totalLse: tf.Tensor,
      dy: tf.Tensor,
      chunk: ChunkRange,
    ): tf.Tensor[] => {
      if (fused !== null) {
        // The fused backward pass; with one chunk from the forward's outputs.
        const forward = single
          ? {
              noise: cached.slice(0, numNoise),
              saved: cached.slice(numNoise, numNoise + numLinkSaved),
              probs: cached[numNoise + numLinkSaved]!,
            }
          : evaluateFused(savedParams, chunk);
        const grads = fused.backward(savedParams, forward.noise, forward, totalLse, dy);
        if (!single) tf.dispose([...forward.noise, ...forward.saved, forward.probs]);
        return grads;
      }
      // d log p / d l_s = exp(l_s - totalLse).
      if (single) {
        const noise = cached.slice(0, numNoise);
        const linkSaved = cached.slice(numNoise, numNoise + numLinkSaved);
        const [scaled, max] = cached.slice(numNoise + numLinkSaved);
        // exp(l_s - totalLse) = scaled_s * exp(max - totalLse): [C, ...] * [...]
        const dLogLik = tf.tidy(() => tf.mul(scaled!, tf.mul(dy, tf.exp(tf.sub(max!, totalLse)))));
        return backPropagate(savedParams, noise, linkSaved, dLogLik, false);
      }
      const { noise, logLik, saved } = evaluate(savedParams, chunk);
      const dLogLik = consume([logLik], () => ({
        d: tf.mul(dy, tf.exp(tf.sub(logLik, totalLse))), // [...] * [C, ...]
      })).d;
      return backPropagate(savedParams, noise, saved, dLogLik, true);
    };

    return {
      value: tf.sub(lse!, Math.log(opts.numSamples)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const savedParams = saved.slice(0, numParams);
        const totalLse = saved[numParams]!;
        const cached = saved.slice(numParams + 1);
        let grads: tf.Tensor[] | null = null;
        for (const chunk of chunks) {
          const chunkGrads = tf.tidy(() =>
            chunkGradients(savedParams, cached, totalLse, dy, chunk),
          );
          if (grads === null) {
            grads = chunkGrads;
          } else {
            const previous: tf.Tensor[] = grads;
            grads = previous.map((g, i) => tf.add(g, chunkGrads[i]!));
            tf.dispose([...previous, ...chunkGrads]);
          }
        }
        return grads!;
      },
    };
  });

  // Linear latents: f(params) / tau = f(params / tau), so the temperature scales the small
  // parameter tensors; its gradient (if a tensor) flows through these divisions.
  const tempered = model.params.map((p) => tf.div(p, opts.temperature));
  const logProbs = estimate(...tempered);
  const probs = tf.exp(logProbs);
  if (keptVariance === undefined) return { probs, logProbs };
  const variance = tf.clone(keptVariance); // tracked by the caller's scope, unlike the kept one
  keptVariance.dispose();
  return { probs, logProbs, variance };
}

/**
 * Runs the shared Monte Carlo engine: predictive probabilities and log-probabilities of a
 * latent model through a likelihood link, memory-bounded and differentiable.
 *
 * Shapes: latents `[S, B, ..., K]` (drawn `maxSamplesInMemory` at a time); results
 * `[B, ..., O]`.
 *
 * @example
 * ```ts
 * // mcSoftmax is exactly this, plus input checks:
 * const model = diagonalLatents(loc, scale, { noise: 'normal', seed: 7 });
 * const { probs, logProbs } = mcEngine(model, softmaxLink, {
 *   numSamples: 1000, maxSamplesInMemory: 250, temperature: 0.5,
 *   argmax: false, computeVariance: false,
 * });
 * ```
 * @since 0.1.0
 */
export function mcEngine(
  model: LatentModel,
  link: LikelihoodLink,
  opts: McEngineOptions,
): McEngineResult {
  checkOptions(opts);
  return tidyObject(() =>
    opts.argmax ? hardEstimate(model, link, opts) : smoothEstimate(model, link, opts),
  );
}
