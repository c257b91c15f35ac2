import {
  conv2d,
  conv2dTranspose,
  div,
  matMul,
  maximum,
  mul,
  norm,
  scalar,
  sum,
  type Tensor,
  type Tensor2D,
  type Tensor4D,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';

/**
 * The linear map a layer's kernel applies, and its adjoint, on one example: what power
 * iteration needs to estimate the map's spectral norm (largest singular value).
 *
 * For a `Dense` kernel `W` `[in, out]` the map is `v -> v W` on row vectors `[1, in]`; its
 * norm is `W`'s largest singular value. For a `Conv2D` kernel `[kh, kw, cin, cout]` the map
 * is the convolution itself on a `[1, H, W, cin]` image, with the layer's strides and
 * padding; its norm is the convolution operator's, which is not the norm of the kernel
 * reshaped to a matrix.
 */
export interface KernelOperator {
  /** Shape of the map's input (a right singular vector `v`), with a batch axis of 1. */
  readonly inputShape: readonly number[];
  /** Shape of the map's output (a left singular vector `u`), with a batch axis of 1. */
  readonly outputShape: readonly number[];
  /** `A v`. */
  apply(kernel: Tensor, v: Tensor): Tensor;
  /** `A^T u`: the adjoint, so `<A v, u> = <v, A^T u>`. */
  adjoint(kernel: Tensor, u: Tensor): Tensor;
}

/** The map `v -> v W` of a `Dense` kernel `W` `[inputDim, units]`. */
export function denseOperator(inputDim: number, units: number): KernelOperator {
  return {
    inputShape: [1, inputDim],
    outputShape: [1, units],
    apply: (kernel, v) => matMul(v as Tensor2D, kernel as Tensor2D),
    // (W u^T)^T: [inputDim, units] x [units, 1] -> [inputDim, 1] -> [1, inputDim]. Not
    // matMul(u, W, false, true): with transposeB, tfjs-webgpu 4.22's split-K matMul (few output
    // rows, K >= 2000) returned wrong sums on lavapipe (test/kernel-operator.test.ts, 'dense 256 -> 2048').
    adjoint: (kernel, u) =>
      tidy(() => transpose(matMul(kernel as Tensor2D, transpose(u as Tensor2D)))),
  };
}

/** Geometry of a 2D convolution on one `[1, height, width, inChannels]` image. */
export interface ConvGeometry {
  readonly height: number;
  readonly width: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'valid' | 'same';
}

/**
 * The convolution `v -> conv2d(v, K)` on `[1, H, W, cin]` images (channels last; a
 * channels-first layer applies the same map to permuted coordinates, which has the same
 * norm). Its adjoint is the transposed convolution with the same kernel, strides and
 * padding, back to `[1, H, W, cin]`.
 */
export function conv2dOperator(geometry: ConvGeometry): KernelOperator {
  const { height, width, inChannels, outChannels, kernelSize, strides, padding } = geometry;
  const outSize = (size: number, k: number, s: number): number =>
    padding === 'same' ? Math.ceil(size / s) : Math.ceil((size - k + 1) / s);
  const inputShape: [number, number, number, number] = [1, height, width, inChannels];
  const outputShape = [
    1,
    outSize(height, kernelSize[0], strides[0]),
    outSize(width, kernelSize[1], strides[1]),
    outChannels,
  ];
  const stride: [number, number] = [strides[0], strides[1]];
  return {
    inputShape,
    outputShape,
    apply: (kernel, v) => conv2d(v as Tensor4D, kernel as Tensor4D, stride, padding),
    adjoint: (kernel, u) =>
      conv2dTranspose(u as Tensor4D, kernel as Tensor4D, inputShape, stride, padding),
  };
}

/** `x / max(||x||, 1e-12)`: a unit vector in the direction of `x` (any shape). */
export function unitNormalize(x: Tensor): Tensor {
  return tidy(() => div(x, maximum(norm(x), scalar(1e-12))));
}

/**
 * `iterations` steps of power iteration on `A^T A`, starting from the left vector `u`:
 * `v <- normalize(A^T u)`, `u <- normalize(A v)`. Returns the new pair; `sum(u * A v)` then
 * estimates the largest singular value from below.
 */
export function powerIterate(
  operator: KernelOperator,
  kernel: Tensor,
  u: Tensor,
  iterations: number,
): { u: Tensor; v: Tensor } {
  return tidy(() => {
    const step = (left: Tensor): { u: Tensor; v: Tensor } => {
      const right = unitNormalize(operator.adjoint(kernel, left));
      return { u: unitNormalize(operator.apply(kernel, right)), v: right };
    };
    let pair = step(u);
    for (let i = 1; i < iterations; i++) pair = step(pair.u);
    return pair;
  });
}

/** `sigma = <u, A v>`, a scalar: the spectral norm estimate from a power-iteration pair. */
export function spectralNormEstimate(
  operator: KernelOperator,
  kernel: Tensor,
  u: Tensor,
  v: Tensor,
): Tensor {
  return tidy(() => sum(mul(u, operator.apply(kernel, v))));
}
