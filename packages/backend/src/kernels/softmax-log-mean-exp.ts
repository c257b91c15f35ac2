import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';
import { diagonalBackwardFor, diagonalSoftmaxFor } from './diagonal-softmax-rows.js';
import {
  exactRowGradient,
  fastGradientFactors,
  fastRowsGradient,
  type LatentAt,
  logSumExpOverSamples,
} from './exact-log-weights.js';
import { type KernelArgs, withScratch } from './kernel-scope.js';
import { backendMemory } from './simd-module.js';
import { rowBackwardFor, rowSoftmaxFor, softmaxBlock } from './softmax-rows.js';

/**
 * Fused kernels of the Monte Carlo softmax head (`mcSoftmax` in `@uqjs/mc-softmax`), which calls
 * them where they are registered for the active backend (`enableFastWasmTraining` registers them
 * for `wasm`). Not tfjs kernels: the stock path composes about fifteen element-wise kernels over
 * the `[S, ..., K]` latents, several of them broadcasting (slow on wasm).
 *
 * Legend: `S` samples (of one chunk), `...` the batch and any middle axes (`R` positions in
 * all), `K` classes.
 *
 * @since 0.1.0
 */
export const SOFTMAX_LOG_MEAN_EXP = 'UqjsSoftmaxLogMeanExp';

/**
 * The backward pass of {@link SOFTMAX_LOG_MEAN_EXP}.
 *
 * @since 0.1.0
 */
export const SOFTMAX_LOG_MEAN_EXP_GRAD = 'UqjsSoftmaxLogMeanExpGrad';

/**
 * {@link SOFTMAX_LOG_MEAN_EXP} of diagonal latents `x = loc + scale u` (`diagonalLatents` in
 * `@uqjs/mc-softmax`) from `loc`, `scale` `[..., K]` and the noise `u` `[S, ..., K]`: the
 * latents are formed inside the row passes and never stored as a tensor. Same outputs as
 * {@link SOFTMAX_LOG_MEAN_EXP} of the float32 latents `loc + scale * u` (the same float32
 * operations: a product, then a sum).
 *
 * @since 0.1.0
 */
export const DIAGONAL_SOFTMAX_LOG_MEAN_EXP = 'UqjsDiagonalSoftmaxLogMeanExp';

/**
 * The backward pass of {@link DIAGONAL_SOFTMAX_LOG_MEAN_EXP}: `dL/dloc` and `dL/dscale`
 * `[..., K]` directly, without the `[S, ..., K]` gradient of the latents.
 *
 * @since 0.1.0
 */
export const DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD = 'UqjsDiagonalSoftmaxLogMeanExpGrad';

const FN = 'softmaxLogMeanExp';

/** The `[S, ..., K]` geometry of a float32 input of rank >= 2. */
interface Geometry {
  readonly shape: number[];
  /** `S`. */
  readonly samples: number;
  /** `K`. */
  readonly classes: number;
  /** `R K`: the values of one sample. */
  readonly width: number;
}

function geometry(x: TensorInfo, argument: string): Geometry {
  if (x.dtype !== 'float32' || x.shape.length < 2) {
    throw new InvalidArgumentError({
      fn: FN,
      argument,
      expected: 'a float32 tensor [S, ..., K] of rank >= 2',
      given: `${x.dtype} [${x.shape.join(', ')}]`,
    });
  }
  const shape = [...x.shape];
  const samples = shape[0]!;
  return {
    shape,
    samples,
    classes: shape[shape.length - 1]!,
    width: samples === 0 ? 0 : util.sizeFromShape(shape) / samples,
  };
}

/** Throws unless `info` is float32 of shape `shape`. */
function checkShape(info: TensorInfo, shape: number[], argument: string, fn = `${FN}Grad`): void {
  if (info.dtype === 'float32' && util.arraysEqual(info.shape, shape)) return;
  throw new InvalidArgumentError({
    fn,
    argument,
    expected: `a float32 tensor [${shape.join(', ')}]`,
    given: `${info.dtype} [${info.shape.join(', ')}]`,
  });
}

/**
 * `probs = softmax(x)` row by row (rows of `classes`) and `sums += probs` (`sums` `[width]`,
 * repeating: the sum over samples, in sample order in float32), in JavaScript: where the
 * WebAssembly pass cannot run. May run in place.
 */
function softmaxRowsJs(x: Float32Array, probs: Float32Array, sums: Float32Array, classes: number) {
  const width = sums.length;
  for (let o = 0; o < x.length; o += classes) {
    const max = rowMax(x, o, classes);
    let sum = 0;
    for (let k = o; k < o + classes; k++) {
      probs[k] = Math.exp(x[k]! - max);
      sum += probs[k]!;
    }
    const c = o % width;
    for (let k = 0; k < classes; k++) {
      probs[o + k] = probs[o + k]! / sum;
      sums[c + k] = sums[c + k]! + probs[o + k]!;
    }
  }
}

function rowMax(x: Float32Array, o: number, classes: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = o; k < o + classes; k++) max = Math.max(max, x[k]!);
  return max;
}

/**
 * {@link SOFTMAX_LOG_MEAN_EXP} on `wasm`: the per-sample softmax over the last axis of the
 * tempered latents `x` `[S, ..., K]` and the log-sum-exp over the samples of its logarithm
 * (the per-sample log-softmax `l_s`), in one WebAssembly pass over the rows (the row's
 * maximum, its exponentials four lanes at a time, its sum and division, and the sum over
 * samples, in sample order in float32) where it runs:
 *
 *     p_s = softmax(x_s)                                  [S, ..., K]
 *     lse = log sum_s exp(l_s) = log sum_s p_s            [..., K]
 *
 * The second form is used for every column with `sum_s p_s >= S e^-60` (so `max_s l_s >= -60`);
 * the others get `lse = m + log sum_s exp(l_s - m)`, `m = max_s l_s`, with `l_s` recomputed in
 * double precision, those columns only (`logSumExpOverSamples` in exact-log-weights.ts).
 * Returns `[p, lse]`; the log-mean-exp is `lse - log S`. Input: `{ x }`, float32, rank >= 2.
 */
export function softmaxLogMeanExp(args: KernelArgs): TensorInfo[] {
  const { x } = args.inputs as { x: TensorInfo };
  const { shape, samples, classes, width } = geometry(x, 'x');
  const backend = args.backend as BackendWasm;
  const probsInfo = backend.makeOutput(shape, 'float32');
  const lseInfo = backend.makeOutput(shape.slice(1), 'float32');
  if (width === 0 || samples === 0) return [probsInfo, lseInfo];
  // Views after the allocations (which may grow, and detach, the heap).
  const [latents, probs, sums] = [x, probsInfo, lseInfo].map(
    (info) => backend.typedArrayFromHeap(info) as Float32Array,
  ) as [Float32Array, Float32Array, Float32Array];
  sums.fill(0);
  const pass = rowSoftmaxFor(backendMemory(backend), classes);
  if (pass !== null) {
    const [length, block] = [probs.length, softmaxBlock(classes)];
    pass(latents.byteOffset, probs.byteOffset, sums.byteOffset, length, classes, width, block);
  } else {
    softmaxRowsJs(latents, probs, sums, classes);
  }
  logSumExpOverSamples(sums, probs, samples, classes, (i) => latents[i]!);
  return [probsInfo, lseInfo];
}

/**
 * {@link SOFTMAX_LOG_MEAN_EXP_GRAD} on `wasm`: `dL/dx` `[S, ..., K]` of the log-sum-exp of
 * {@link softmaxLogMeanExp} from the latents `x` and its outputs `probs` `[S, ..., K]` and `lse`
 * `[..., K]` (of all samples, when the forward pass ran in chunks), and `dy = dL/dlse`
 * `[..., K]`. With the per-sample posterior weights `w_s = exp(l_s - lse)` and `a_s = w_s dy`:
 *
 *     dL/dl_s = a_s,        dL/dx_s = a_s - p_s sum_k a_s[k]      (the log-softmax backward)
 *
 * Where `lse >= -60`, `w_s = p_s exp(-lse)`, so `dL/dx_s = p_s (g - sum_k p_s g)` with
 * `g = dy exp(-lse)` (0 where `dy` is 0, whatever `lse`): one WebAssembly pass over the rows.
 * The rows that meet a column with `lse < -60` and `dy != 0` are recomputed from `x` in double
 * precision (`fastGradientFactors`, `exactRowGradient` in exact-log-weights.ts). Inputs:
 * `{ x, probs, lse, dy }`, float32.
 */
export function softmaxLogMeanExpGrad(args: KernelArgs): TensorInfo {
  const { x, probs, lse, dy } = args.inputs as Record<'x' | 'probs' | 'lse' | 'dy', TensorInfo>;
  const { shape, samples, classes, width } = geometry(probs, 'probs');
  checkShape(x, shape, 'x');
  checkShape(lse, shape.slice(1), 'lse');
  checkShape(dy, shape.slice(1), 'dy');
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(shape, 'float32');
  if (width === 0 || samples === 0) return out;
  return withScratch(backend, (scratch) => {
    const gInfo = scratch.track(backend.makeOutput([width], 'float32'));
    // Views after the allocations (which may grow, and detach, the heap).
    const heap = (info: TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
    const [p, lses, dys, dx, g] = [probs, lse, dy, out, gInfo].map(heap) as Float32Array[];
    const exactRows = fastGradientFactors(lses!, dys!, g!, classes);
    const backward = rowBackwardFor(backendMemory(backend));
    if (backward !== null) {
      backward(p!.byteOffset, g!.byteOffset, dx!.byteOffset, p!.length, classes, width);
    } else {
      fastRowsGradient(p!, g!, classes, dx!);
    }
    if (exactRows.length > 0) {
      const latents = heap(x);
      const latentAt = (i: number) => latents[i]!;
      for (const row of exactRows) {
        for (let o = row * classes; o < p!.length; o += width) {
          exactRowGradient(latentAt, p!, lses!, dys!, o, row * classes, classes, dx!, o);
        }
      }
    }
    return out;
  });
}

const DIAGONAL_FN = 'diagonalSoftmaxLogMeanExp';

/**
 * `dLoc += dx`, `dScale += u dx` (float32) for the values `dx` that sit at flat index `at` of
 * `[S, ..., K]` (columns `(at + i) % width`).
 */
function addOverSamples(
  dx: Float32Array,
  at: number,
  u: Float32Array,
  dLoc: Float32Array,
  dScale: Float32Array,
  width: number,
): void {
  for (let i = 0; i < dx.length; i++) {
    const c = (at + i) % width;
    dLoc[c] = dLoc[c]! + dx[i]!;
    dScale[c] = dScale[c]! + Math.fround(u[at + i]! * dx[i]!);
  }
}

/** The geometry of the noise `u` `[S, ..., K]`, with `loc`, `scale` checked to be `[..., K]`. */
function diagonalGeometry(loc: TensorInfo, scale: TensorInfo, u: TensorInfo, fn: string): Geometry {
  const geometryOfU = geometry(u, 'u');
  checkShape(loc, geometryOfU.shape.slice(1), 'loc', fn);
  checkShape(scale, geometryOfU.shape.slice(1), 'scale', fn);
  return geometryOfU;
}

/**
 * The latent `x[i] = loc + scale u[i]` (flat index `i` of `[S, ..., K]`), rounded as float32
 * after the product and after the sum (as the element-wise kernels and the WebAssembly rows do).
 */
function diagonalLatentAt(loc: Float32Array, scale: Float32Array, u: Float32Array): LatentAt {
  const width = loc.length;
  return (i) => Math.fround(loc[i % width]! + Math.fround(scale[i % width]! * u[i]!));
}

/**
 * The latents `x = loc + scale u` `[S, ..., K]` in JavaScript, rounded as float32 after the
 * product and after the sum (as the element-wise kernels and the WebAssembly rows do).
 */
function diagonalLatentsOf(loc: Float32Array, scale: Float32Array, u: Float32Array): Float32Array {
  const x = new Float32Array(u.length);
  const width = loc.length;
  for (let i = 0; i < u.length; i++) {
    const c = i % width;
    x[i] = loc[c]! + Math.fround(scale[c]! * u[i]!);
  }
  return x;
}

/**
 * {@link DIAGONAL_SOFTMAX_LOG_MEAN_EXP} on `wasm`: {@link softmaxLogMeanExp} of the latents
 * `x = loc + scale u`, which its one row pass (in WebAssembly where it runs) forms from `loc`,
 * `scale` `[..., K]` and `u` `[S, ..., K]` as it goes, row by row in the output. Returns
 * `[p, lse]` (`[S, ..., K]`, `[..., K]`). Inputs: `{ loc, scale, u }`, float32.
 */
export function diagonalSoftmaxLogMeanExp(args: KernelArgs): TensorInfo[] {
  const { loc, scale, u } = args.inputs as Record<'loc' | 'scale' | 'u', TensorInfo>;
  const { shape, samples, classes, width } = diagonalGeometry(loc, scale, u, DIAGONAL_FN);
  const backend = args.backend as BackendWasm;
  const probsInfo = backend.makeOutput(shape, 'float32');
  const lseInfo = backend.makeOutput(shape.slice(1), 'float32');
  if (width === 0 || samples === 0) return [probsInfo, lseInfo];
  // Views after the allocations (which may grow, and detach, the heap).
  const [l, s, noise, probs, sums] = [loc, scale, u, probsInfo, lseInfo].map(
    (info) => backend.typedArrayFromHeap(info) as Float32Array,
  ) as Float32Array[];
  sums!.fill(0);
  const latents = () => diagonalLatentsOf(l!, s!, noise!);
  const pass = diagonalSoftmaxFor(backendMemory(backend), classes);
  if (pass !== null) {
    const addresses = [l, s, noise, probs, sums].map((a) => a!.byteOffset);
    const block = softmaxBlock(classes);
    const sizes = [probs!.length, classes, width, block] as const;
    pass(...(addresses as [number, number, number, number, number]), ...sizes);
  } else {
    probs!.set(latents());
    softmaxRowsJs(probs!, probs!, sums!, classes);
  }
  logSumExpOverSamples(sums!, probs!, samples, classes, diagonalLatentAt(l!, s!, noise!));
  return [probsInfo, lseInfo];
}

/**
 * {@link DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD} on `wasm`: `[dL/dloc, dL/dscale]` (`[..., K]`
 * each) of the log-sum-exp of {@link diagonalSoftmaxLogMeanExp}, from its inputs `loc`,
 * `scale`, `u`, its outputs `probs` `[S, ..., K]` and `lse` `[..., K]` (of all samples, when
 * the forward pass ran in chunks), and `dy = dL/dlse` `[..., K]`. With `dx_s` the gradient
 * of {@link softmaxLogMeanExpGrad}:
 *
 *     dL/dloc = sum_s dx_s,        dL/dscale = sum_s u_s dx_s
 *
 * summed over the samples in order in float32 (as the leading-axis `Sum` does, but for its
 * last `width % 4` columns, which it sums in double), in the same
 * WebAssembly row pass that forms `dx_s` (which is never stored). The rows that meet a column
 * with `lse < -60` and `dy != 0` (the exact path, exact-log-weights.ts) are added in JavaScript
 * from the latents in double precision. Inputs: `{ loc, scale, u, probs, lse, dy }`, float32.
 */
export function diagonalSoftmaxLogMeanExpGrad(args: KernelArgs): TensorInfo[] {
  const inputs = args.inputs as Record<'loc' | 'scale' | 'u' | 'probs' | 'lse' | 'dy', TensorInfo>;
  const fn = `${DIAGONAL_FN}Grad`;
  const { shape, samples, classes, width } = diagonalGeometry(
    inputs.loc,
    inputs.scale,
    inputs.u,
    fn,
  );
  checkShape(inputs.probs, shape, 'probs', fn);
  checkShape(inputs.lse, shape.slice(1), 'lse', fn);
  checkShape(inputs.dy, shape.slice(1), 'dy', fn);
  const backend = args.backend as BackendWasm;
  const dLocInfo = backend.makeOutput(shape.slice(1), 'float32');
  const dScaleInfo = backend.makeOutput(shape.slice(1), 'float32');
  // Zero gradients without samples (`width` counts 0 then).
  if (util.sizeFromShape(shape.slice(1)) === 0) return [dLocInfo, dScaleInfo];
  withScratch(backend, (scratch) => {
    const gInfo = scratch.track(backend.makeOutput([width], 'float32'));
    // Views after the allocations (which may grow, and detach, the heap).
    const heap = (info: TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
    const [loc, scale, u, p, lses, dys, dLoc, dScale, g] = [
      inputs.loc,
      inputs.scale,
      inputs.u,
      inputs.probs,
      inputs.lse,
      inputs.dy,
      dLocInfo,
      dScaleInfo,
      gInfo,
    ].map(heap) as Float32Array[];
    dLoc!.fill(0);
    dScale!.fill(0);
    if (samples === 0) return dLocInfo;
    const exactRows = fastGradientFactors(lses!, dys!, g!, classes);
    const backward = diagonalBackwardFor(backendMemory(backend));
    if (backward !== null) {
      const addresses = [p, u, g, dLoc, dScale].map((a) => a!.byteOffset);
      backward(
        ...(addresses as [number, number, number, number, number]),
        p!.length,
        classes,
        width,
      );
    } else {
      const dx = new Float32Array(p!.length);
      fastRowsGradient(p!, g!, classes, dx);
      addOverSamples(dx, 0, u!, dLoc!, dScale!, width);
    }
    // The exact rows (none on the fast pass's share): dx row by row, added in sample order.
    if (exactRows.length > 0) {
      const latentAt = diagonalLatentAt(loc!, scale!, u!);
      const row = new Float32Array(classes);
      for (const r of exactRows) {
        for (let o = r * classes; o < p!.length; o += width) {
          exactRowGradient(latentAt, p!, lses!, dys!, o, r * classes, classes, row, 0);
          addOverSamples(row, o, u!, dLoc!, dScale!, width);
        }
      }
    }
    return dLocInfo;
  });
  return [dLocInfo, dScaleInfo];
}
