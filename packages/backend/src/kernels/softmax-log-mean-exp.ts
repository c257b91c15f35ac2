import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';
import { simdExpFor } from './exp-simd.js';
import { type KernelArgs, type Scratch, withScratch } from './kernel-scope.js';
import { backendMemory } from './simd-module.js';
import { rowBackwardFor, rowNormalizeFor, rowShiftFor } from './softmax-rows.js';

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
 * Log-weights below this take the exact path, which recomputes the log-softmax `l` from the
 * latents. Above it, `exp(l - lse)` is computed as `p * exp(-lse)` (and `log sum_s exp(l_s)` as
 * `log sum_s p_s`): `exp(-lse) <= e^60` cannot overflow, and a sample whose `p = exp(l)`
 * underflows float32 (`l < -87`) has a weight `exp(l - lse) < e^-27 ~ 2e-12` of the total 1,
 * below float32 resolution.
 */
const LOWEST_FAST = -60;
const SMALLEST_FAST = Math.exp(LOWEST_FAST);

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
function checkShape(info: TensorInfo, shape: number[], argument: string): void {
  if (info.dtype === 'float32' && util.arraysEqual(info.shape, shape)) return;
  throw new InvalidArgumentError({
    fn: `${FN}Grad`,
    argument,
    expected: `a float32 tensor [${shape.join(', ')}]`,
    given: `${info.dtype} [${info.shape.join(', ')}]`,
  });
}

/** `values[i] = exp(values[i])` in place: WebAssembly SIMD for the bulk where it runs. */
function expInPlace(backend: BackendWasm, values: Float32Array): void {
  const simd = simdExpFor(backendMemory(backend));
  const bulk = simd === null ? 0 : values.length - (values.length % 4);
  if (bulk > 0) simd!(values.byteOffset, values.byteOffset, bulk);
  for (let i = bulk; i < values.length; i++) values[i] = Math.exp(values[i]!);
}

/** `Sum` over the sample axis (the leading-axis SIMD kernel), freed with the scratch. */
function sumOverSamples(scratch: Scratch, x: TensorInfo): Float32Array {
  const info = scratch.run('Sum', { x }, { axis: [0], keepDims: false });
  return scratch.backend.typedArrayFromHeap(info) as Float32Array;
}

/** Whether every entry is at least `lowest` (NaN counts as fast: it stays NaN). */
function allAtLeast(values: Float32Array, lowest: number): boolean {
  for (let i = 0; i < values.length; i++) if (values[i]! < lowest) return false;
  return true;
}

/**
 * `exps = softmax(x)` row by row (rows of `classes`): `x - max` and the normalization in
 * WebAssembly where it runs (else JavaScript), the exponentials four lanes at a time.
 */
function softmaxRows(
  backend: BackendWasm,
  x: Float32Array,
  probs: Float32Array,
  classes: number,
): void {
  const memory = backendMemory(backend);
  const shift = rowShiftFor(memory);
  const normalize = rowNormalizeFor(memory);
  if (shift !== null) {
    shift(x.byteOffset, probs.byteOffset, x.length, classes);
  } else {
    for (let o = 0; o < x.length; o += classes) {
      const max = rowMax(x, o, classes);
      for (let k = o; k < o + classes; k++) probs[k] = x[k]! - max;
    }
  }
  expInPlace(backend, probs);
  if (normalize !== null) {
    normalize(probs.byteOffset, probs.length, classes);
  } else {
    for (let o = 0; o < probs.length; o += classes) {
      let sum = 0;
      for (let k = o; k < o + classes; k++) sum += probs[k]!;
      for (let k = o; k < o + classes; k++) probs[k] = probs[k]! / sum;
    }
  }
}

function rowMax(x: Float32Array, o: number, classes: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = o; k < o + classes; k++) max = Math.max(max, x[k]!);
  return max;
}

/**
 * The per-sample log-softmax `l = x - max - log sum_k exp(x - max)` row by row, in double
 * precision in JavaScript: the exact (slow) path, for entries whose log-weights are below
 * {@link LOWEST_FAST}.
 */
function logSoftmaxRows(x: Float32Array, classes: number): Float32Array {
  const logLik = new Float32Array(x.length);
  for (let o = 0; o < x.length; o += classes) {
    const max = rowMax(x, o, classes);
    let sum = 0;
    for (let k = o; k < o + classes; k++) sum += Math.exp(x[k]! - max);
    const shift = max + Math.log(sum);
    for (let k = o; k < o + classes; k++) logLik[k] = x[k]! - shift;
  }
  return logLik;
}

/**
 * {@link SOFTMAX_LOG_MEAN_EXP} on `wasm`: the per-sample softmax over the last axis of the
 * tempered latents `x` `[S, ..., K]` and the log-sum-exp over the samples of its logarithm
 * (the per-sample log-softmax `l_s`), in a few passes over the wasm heap (the rows in
 * WebAssembly, the exponentials four lanes at a time, the sum over samples by the
 * leading-axis `Sum`):
 *
 *     p_s = softmax(x_s)                                  [S, ..., K]
 *     lse = log sum_s exp(l_s) = log sum_s p_s            [..., K]
 *
 * The second form is used where every `sum_s p_s >= S e^-60` (so `max_s l_s >= -60`); else
 * `lse = m + log sum_s exp(l_s - m)`, `m = max_s l_s`, with `l_s` recomputed in double precision
 * (see {@link LOWEST_FAST}).
 * Returns `[p, lse]`; the log-mean-exp is `lse - log S`. Input: `{ x }`, float32, rank >= 2.
 */
export function softmaxLogMeanExp(args: KernelArgs): TensorInfo[] {
  const { x } = args.inputs as { x: TensorInfo };
  const { shape, samples, classes, width } = geometry(x, 'x');
  const backend = args.backend as BackendWasm;
  const probsInfo = backend.makeOutput(shape, 'float32');
  const lseInfo = backend.makeOutput(shape.slice(1), 'float32');
  if (width === 0 || samples === 0) return [probsInfo, lseInfo];
  withScratch(backend, (scratch) => {
    // Views after each allocation (which may grow, and detach, the heap).
    const heap = (info: TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
    softmaxRows(backend, heap(x), heap(probsInfo), classes);
    // sum_s p_s >= S e^-60 means max_s p_s >= e^-60, i.e. max_s l_s >= -60 (the fast form's
    // condition; a sum below it, rarer than a max below e^-60, takes the exact path).
    const sums = sumOverSamples(scratch, probsInfo);
    if (allAtLeast(sums, samples * SMALLEST_FAST)) {
      const lse = heap(lseInfo);
      for (let c = 0; c < width; c++) lse[c] = Math.log(sums[c]!);
    } else {
      const logLik = logSoftmaxRows(heap(x), classes);
      const lse = heap(lseInfo);
      for (let c = 0; c < width; c++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let o = c; o < logLik.length; o += width) max = Math.max(max, logLik[o]!);
        let sum = 0;
        for (let o = c; o < logLik.length; o += width) sum += Math.exp(logLik[o]! - max);
        lse[c] = max + Math.log(sum);
      }
    }
    return lseInfo;
  });
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
 * Where every `lse >= -60`, `w_s = p_s exp(-lse)`, so `dL/dx_s = p_s (g - sum_k p_s g)` with
 * `g = dy exp(-lse)`: one WebAssembly pass over the rows. Elsewhere `l_s` is recomputed from
 * `x` in double precision (see {@link LOWEST_FAST}). Inputs: `{ x, probs, lse, dy }`, float32.
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
    const fast = allAtLeast(lses!, LOWEST_FAST);
    const backward = fast ? rowBackwardFor(backendMemory(backend)) : null;
    if (backward !== null) {
      for (let c = 0; c < width; c++) g![c] = dys![c]! * Math.exp(-lses![c]!);
      backward(p!.byteOffset, g!.byteOffset, dx!.byteOffset, p!.length, classes, width);
      return out;
    }
    // a_s = w_s dy, w_s = exp(l_s - lse) (or p_s exp(-lse)); dx = a_s - p_s sum_k a_s.
    const logLik = fast ? null : logSoftmaxRows(heap(x), classes);
    for (let o = 0; o < p!.length; o += classes) {
      const c0 = o % width;
      let total = 0;
      for (let k = 0; k < classes; k++) {
        const c = c0 + k;
        const weight =
          logLik === null
            ? p![o + k]! * Math.exp(-lses![c]!)
            : Math.exp(logLik[o + k]! - lses![c]!);
        dx![o + k] = weight * dys![c]!;
        total += dx![o + k]!;
      }
      for (let k = 0; k < classes; k++) dx![o + k] = dx![o + k]! - p![o + k]! * total;
    }
    return out;
  });
}
