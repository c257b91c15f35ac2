import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelArgs, SingleOutputKernel } from './kernel-scope.js';

/**
 * `Identity` (`tf.clone`, and the engine and tfjs-layers in every training step) for wasm:
 * shares the input's buffer, counting one more reference, as the `cpu` backend and the wasm
 * `Reshape` do, instead of copying it (the stock kernel copies, ~4 ms of a 104 ms MLP step at
 * batch 128). Tensors are immutable and every kernel writes only to new outputs, so a shared
 * buffer is never written through one of its tensors; it is freed with its last tensor.
 * String tensors, which live outside the wasm heap, go to the stock kernel.
 */
export function sharedIdentity(stock: SingleOutputKernel): SingleOutputKernel {
  return (args: KernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return stock(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
