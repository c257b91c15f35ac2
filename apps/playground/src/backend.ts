import '@tensorflow/tfjs-backend-cpu';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgl';
import { backend, env, getBackend, setBackend } from '@tensorflow/tfjs-core';
import type { BackendChoice } from './protocol.js';

/** The backend a run uses and a sentence for the page saying why. */
export interface ChosenBackend {
  readonly name: string;
  readonly note: string;
}

/** Renderers that emulate WebGL on the CPU: slower than tfjs's own CPU backend. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** Tries to activate `name`; false when it cannot initialize here (no WebGL, ...). */
async function tryBackend(name: string): Promise<boolean> {
  try {
    return (await setBackend(name)) && getBackend() === name;
  } catch {
    return false;
  }
}

/** The WebGL renderer's name (unmasked where the browser allows), e.g. an ANGLE GPU string. */
function webglRenderer(): string {
  const gl = (backend() as MathBackendWebGL).gpgpu.gl;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL));
}

/**
 * Activates the tfjs backend: WebGL when the browser gives this worker a hardware WebGL
 * context (through `OffscreenCanvas`), the pure-JS CPU backend otherwise, including when
 * WebGL is only emulated in software (SwiftShader, llvmpipe), which trains these small
 * models slower than the CPU backend. `choice` `'cpu'` or `'webgl'` (the page's `?backend=`
 * parameter) forces one; a WebGL request that cannot start falls back to the CPU. The note
 * says which backend runs and why.
 */
export async function chooseBackend(choice: BackendChoice): Promise<ChosenBackend> {
  let reason = 'WebGL is not available here';
  if (choice !== 'cpu' && (await tryBackend('webgl'))) {
    const renderer = webglRenderer();
    const version = env().getNumber('WEBGL_VERSION');
    const software = SOFTWARE_RENDERER.test(renderer);
    if (!software || choice === 'webgl') {
      const where = software ? 'emulated in software' : 'on the GPU';
      return { name: 'webgl', note: `WebGL ${version} ${where} (${renderer})` };
    }
    reason = `WebGL is emulated in software here (${renderer}), slower than the CPU backend`;
  }
  if (!(await tryBackend('cpu'))) throw new Error('chooseBackend: the CPU backend did not load');
  const why = choice === 'cpu' ? 'asked for by ?backend=cpu' : reason;
  return { name: 'cpu', note: `CPU (JavaScript): ${why}` };
}
