import { type NamedTensorInfoMap, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { BackendError } from '@uqjs/core';
import {
  type KernelArgs,
  matrices,
  reshape,
  type Scratch,
  type SingleOutputKernel,
  withScratch,
} from './kernel-scope.js';

/** Whether a `_FusedMatMul` call adds anything to the product: a bias or an activation. */
function addsToProduct(args: KernelArgs): boolean {
  const { bias, preluActivationWeights } = args.inputs as NamedTensorInfoMap;
  const activation = args.attrs?.activation;
  return (
    bias !== undefined ||
    preluActivationWeights !== undefined ||
    (activation !== undefined && activation !== 'linear')
  );
}

/** `activation(x)` by the wasm kernel of that name (`_FusedMatMul`'s activations). */
function activate(scratch: Scratch, x: TensorInfo, args: KernelArgs): TensorInfo {
  const attrs = args.attrs ?? {};
  const { preluActivationWeights } = args.inputs as NamedTensorInfoMap;
  switch (attrs.activation) {
    case undefined:
    case 'linear':
      return x;
    case 'relu':
      return scratch.run('Relu', { x });
    case 'relu6':
      return scratch.run('Relu6', { x });
    case 'elu':
      return scratch.run('Elu', { x });
    case 'sigmoid':
      return scratch.run('Sigmoid', { x });
    case 'leakyrelu':
      return scratch.run('LeakyRelu', { x }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
    case 'prelu':
      return scratch.run('Prelu', { x, alpha: preluActivationWeights! });
    default:
      throw new BackendError(`_FusedMatMul: unknown activation '${String(attrs.activation)}'`);
  }
}

/**
 * Wraps the stock untransposed `_FusedMatMul` of tfjs-backend-wasm 4.22, which adds its bias
 * (and applies its activation) wrongly to a batch of more than one matrix: in every matrix, the
 * rows after the first get a wrong bias (measured on `[3, 2, 4] x [1, 4, 5]`: the last bias value
 * in every column; errors of the order of the bias against `cpu`). Where `b` is one matrix `[(1,) K, N]` and any bias a vector over `N` (no PReLU
 * weights), `a` `[B, M, K]` goes to the stock kernel as the one matrix `[1, B M, K]`, which it
 * gets right, and the result is reshaped back; otherwise the stock kernel multiplies without
 * bias or activation and the wasm `Add` and activation kernels follow. A single matrix, or a product that adds nothing, goes to
 * the stock kernel unchanged. Output `[..., M, N]` with the batch axes broadcast.
 */
export function batchedFusedProduct(stock: SingleOutputKernel): SingleOutputKernel {
  return (args: KernelArgs) => {
    const { a, b, bias } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo };
    const batch = Math.max(matrices(a), matrices(b));
    if (batch <= 1 || !addsToProduct(args)) return stock(args);
    return withScratch(args.backend, (scratch) => {
      const [m, k] = a.shape.slice(-2) as [number, number];
      const n = b.shape[b.shape.length - 1]!;
      // A bias over N and no PReLU weights (which may vary by row) survive the flattening.
      const biasOverColumns = bias === undefined || util.sizeFromShape(bias.shape) === n;
      const { preluActivationWeights } = args.inputs as NamedTensorInfoMap;
      if (matrices(b) === 1 && biasOverColumns && preluActivationWeights === undefined) {
        const rank = Math.max(a.shape.length, b.shape.length);
        const batchShape = [...Array(rank - a.shape.length).fill(1), ...a.shape.slice(0, -2)];
        const flat = reshape(scratch, a, [1, matrices(a) * m, k]);
        const out = scratch.track(stock({ ...args, inputs: { ...args.inputs, a: flat } }));
        return reshape(scratch, out, [...batchShape, m, n]);
      }
      const plain = scratch.track(
        stock({
          inputs: { a, b },
          backend: args.backend,
          attrs: { ...args.attrs, activation: 'linear' },
        }),
      );
      const biased = bias === undefined ? plain : scratch.run('Add', { a: plain, b: bias });
      return activate(scratch, biased, args);
    });
  };
}
