import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  getKernel,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { BackendError } from '@uqjs/core';

/** The arguments tfjs-core hands a kernel function. */
export interface KernelArgs {
  readonly inputs: NamedTensorInfoMap;
  readonly backend: KernelBackend;
  readonly attrs?: NamedAttrMap;
}

/** A kernel function that returns one tensor. */
export type SingleOutputKernel = (args: KernelArgs) => TensorInfo;

/**
 * Runs the kernel registered for `wasm` under `name` directly on `backend`: no engine, no
 * tape, no `Tensor` objects, so the result is a bare `TensorInfo` whose buffer the caller frees
 * with `backend.disposeData(result.dataId)` (see {@link withScratch}).
 */
export function callWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel === undefined) {
    throw new BackendError(
      `enableFastWasmTraining: the wasm backend has no '${name}' kernel, which the fast gradient kernels are built on; ` +
        'install a matching @tensorflow/tfjs-backend-wasm (^4.22.0)',
    );
  }
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    throw new BackendError(
      `enableFastWasmTraining: wasm kernel '${name}' returned several tensors`,
    );
  }
  return out as TensorInfo;
}

/** Tracks the intermediate buffers of one kernel call. */
export interface Scratch {
  /** The wasm backend the kernel runs on. */
  readonly backend: BackendWasm;
  /** Runs a wasm kernel (see {@link callWasmKernel}) and frees its output when the scope ends. */
  run(name: string, inputs: NamedTensorInfoMap, attrs?: NamedAttrMap): TensorInfo;
  /** Frees `info` when the scope ends; returns it. */
  track(info: TensorInfo): TensorInfo;
}

/**
 * Calls `body` with a {@link Scratch}, then frees every buffer it tracked except the one
 * returned (also when `body` throws), so a composite kernel leaves nothing behind on the wasm
 * heap. Buffers shared through `Reshape` are reference-counted by the backend, so freeing a
 * tracked tensor whose data the result shares only drops one reference.
 */
export function withScratch(
  backend: KernelBackend,
  body: (scratch: Scratch) => TensorInfo,
): TensorInfo {
  const wasm = backend as BackendWasm;
  const tracked: TensorInfo[] = [];
  const scratch: Scratch = {
    backend: wasm,
    run: (name, inputs, attrs) => scratch.track(callWasmKernel(name, wasm, inputs, attrs)),
    track: (info) => {
      tracked.push(info);
      return info;
    },
  };
  let result: TensorInfo | undefined;
  try {
    result = body(scratch);
    return result;
  } finally {
    for (const info of tracked) if (info !== result) wasm.disposeData(info.dataId);
  }
}

/** The number of matrices in `x` `[..., R, C]` (the product of its batch axes). */
export function matrices(x: TensorInfo): number {
  return util.sizeFromShape(x.shape.slice(0, -2));
}

/** Reshapes without copying (the wasm `Reshape` kernel shares the buffer). */
export function reshape(scratch: Scratch, x: TensorInfo, shape: readonly number[]): TensorInfo {
  return scratch.run('Reshape', { x }, { shape: [...shape] });
}

/** Permutes axes with the wasm `Transpose` kernel: `out.shape[i] = x.shape[perm[i]]`. */
export function transpose(scratch: Scratch, x: TensorInfo, perm: readonly number[]): TensorInfo {
  return scratch.run('Transpose', { x }, { perm: [...perm] });
}
