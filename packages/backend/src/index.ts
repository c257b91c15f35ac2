// Node-only exports (runInWorkers, WorkerTaskError) are in `./node.ts` (`@uqjs/backend/node`),
// so that this entry bundles for the browser.
export type { FastWasmTraining } from './fast-wasm-training.js';
export { enableFastWasmTraining } from './fast-wasm-training.js';
export { FusedAdamOptimizer, fusedAdam } from './fused-adam.js';
export type { AdamUpdateAttrs, AdamUpdateInputs } from './kernels/adam-update.js';
export { ADAM_UPDATE } from './kernels/adam-update.js';
export { registerDilatedConv2dGradient } from './kernels/dilated-conv2d-grad.js';
export { LEAKY_RELU_GRAD } from './kernels/leaky-relu.js';
export {
  DIAGONAL_SOFTMAX_LOG_MEAN_EXP,
  DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD,
  SOFTMAX_LOG_MEAN_EXP,
  SOFTMAX_LOG_MEAN_EXP_GRAD,
} from './kernels/softmax-log-mean-exp.js';
export type {
  AdapterInfo,
  BackendName,
  ResolveBackendOptions,
  ResolvedBackend,
  WebgpuAdapter,
} from './resolve-backend.js';
export { BACKEND_NAMES, resolveBackend } from './resolve-backend.js';
export type { AdapterProbe, ProbeReport } from './webgpu-probe.js';
export { probeWebgpuAdapter } from './webgpu-probe.js';
