import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { env, getBackend, setBackend } from '@tensorflow/tfjs-core';
import { enableFastWasmTraining } from '@uqjs/backend';
import { type ChosenBackend, chooseBackend } from '../backend.js';
import type { BackendChoice } from '../protocol.js';

/**
 * The backend of the segmentation worker. Convolutional networks train an order of magnitude
 * faster on tfjs's WebAssembly backend, with the gradient kernels of `@uqjs/backend`
 * (`enableFastWasmTraining`: tfjs-wasm has no `Conv2DBackpropFilter` of its own), than on the
 * pure-JS CPU backend, whose filter gradient dominates a U-Net's step. So `auto` takes `wasm`
 * when it loads (its binaries are served beside the page: Vite copies them, the URLs are
 * relative), and otherwise what the rest of the page chooses (`chooseBackend`); `?backend=webgl`
 * or `?backend=cpu` force those as on the rest of the page.
 */
export async function chooseSegmentationBackend(choice: BackendChoice): Promise<ChosenBackend> {
  if (choice === 'auto') {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    try {
      if ((await setBackend('wasm')) && getBackend() === 'wasm') {
        enableFastWasmTraining();
        const simd = (await env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
        return { name: 'wasm', note: `WebAssembly (${simd}) with the uqjs gradient kernels` };
      }
    } catch {
      // No WebAssembly here: the page's own choice below.
    }
  }
  return chooseBackend(choice);
}
