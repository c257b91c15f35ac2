import * as tf from '@tensorflow/tfjs-core';
import { BackendError, checkOneOf } from '@uqjs/core';
import { enableFastWasmTraining } from './fast-wasm-training.js';

/** The backends uqjs knows how to pick, best first. */
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

/** A backend uqjs can pick. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * The order tried when no backend is named: `webgpu` only when named, because tfjs-backend-webgpu
 * cannot read tensors synchronously in Node (`dataSync()` throws), which several uqjs functions
 * do (docs/webgpu.md in the repository).
 */
const AUTOMATIC_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** What {@link resolveBackend} chose. */
export interface ResolvedBackend {
  /** The tfjs backend now active: `'tensorflow'`, `'webgpu'`, `'wasm'` or `'cpu'`. */
  readonly name: BackendName;
  /** The npm package that provides it, e.g. `'@tensorflow/tfjs-node-gpu'`. */
  readonly provider: string;
  /** True on a GPU: the CUDA build (`@tensorflow/tfjs-node-gpu`), or `webgpu` on a hardware adapter. */
  readonly gpu: boolean;
  /** Why this backend: `'UQJS_BACKEND'`, `'prefer'` or `'auto'`. */
  readonly reason: 'UQJS_BACKEND' | 'prefer' | 'auto';
  /** True when the fast wasm training kernels are registered ({@link enableFastWasmTraining}); always so for `wasm`. */
  readonly fastWasmTraining: boolean;
}

/** Options of {@link resolveBackend}. */
export interface ResolveBackendOptions {
  /** Use this backend (e.g. from a `--backend` flag); `UQJS_BACKEND` still wins. Default: best available. */
  readonly prefer?: BackendName;
  /** Where to report the choice; `false` to stay quiet. Default: `console.error`. */
  readonly log?: ((message: string) => void) | false;
  /** Environment to read `UQJS_BACKEND` from. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const TENSORFLOW_PROVIDERS = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const INSTALL_HINT: Record<BackendName, string> = {
  tensorflow:
    'install one of them: `npm install @tensorflow/tfjs-node-gpu` (NVIDIA GPU with CUDA 11.2 and cuDNN 8.1) ' +
    'or `npm install @tensorflow/tfjs-node` (CPU); both download libtensorflow when installed, ' +
    'so the machine needs access to storage.googleapis.com at install time',
  webgpu:
    'install both: `npm install webgpu @tensorflow/tfjs-backend-webgpu` (Dawn, prebuilt, nothing downloaded ' +
    'at install); on Linux the machine needs a Vulkan loader and a GPU driver with Vulkan',
  wasm: 'install it: `npm install @tensorflow/tfjs-backend-wasm`',
  cpu: 'install it: `npm install @tensorflow/tfjs-backend-cpu`',
};

/** Imports a module by a name TypeScript does not resolve at compile time (optional peers). */
async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

function describeLoadError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

async function activate(name: string): Promise<boolean> {
  const ok = await tf.setBackend(name);
  if (ok) await tf.ready();
  return ok && tf.getBackend() === name;
}

/** What loading a backend gave: its provider (and whether it is a GPU), or why it failed. */
type LoadResult = { provider: string; gpu: boolean } | { failures: string[] };

/** The parts of the `webgpu` package (Dawn's Node bindings) used here. */
interface DawnModule {
  create(options: string[]): {
    requestAdapter(options?: object): Promise<{ info?: { isFallbackAdapter?: boolean } } | null>;
  };
  globals: object;
}

/**
 * `webgpu`: installs Dawn's `navigator.gpu` (tfjs-backend-webgpu registers itself at import
 * only when it exists), checks that an adapter exists, then activates the backend.
 */
async function loadWebgpu(): Promise<LoadResult> {
  const provider = '@tensorflow/tfjs-backend-webgpu';
  try {
    const dawn = (await importOptional('webgpu')) as DawnModule;
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    // Node 20 has no navigator; Node 21+ has a read-only one without gpu.
    const global = globalThis as { navigator?: object };
    if (global.navigator === undefined) {
      Object.defineProperty(global, 'navigator', { value: { gpu }, configurable: true });
    } else {
      Object.defineProperty(global.navigator, 'gpu', { value: gpu, configurable: true });
    }
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter === null) {
      return {
        failures: ['webgpu: Dawn found no WebGPU adapter (no GPU, or no Vulkan driver for it)'],
      };
    }
    await importOptional(provider);
    if (await activate('webgpu'))
      return { provider, gpu: adapter.info?.isFallbackAdapter !== true };
    return { failures: [`${provider} loaded but tf.setBackend('webgpu') failed`] };
  } catch (error) {
    return { failures: [`webgpu + ${provider}: ${describeLoadError(error)}`] };
  }
}

/** Tries to load one backend; returns its provider, or the reasons it could not load. */
async function load(name: BackendName): Promise<LoadResult> {
  if (name === 'webgpu') return loadWebgpu();
  const failures: string[] = [];
  const providers =
    name === 'tensorflow' ? TENSORFLOW_PROVIDERS : [`@tensorflow/tfjs-backend-${name}`];
  for (const provider of providers) {
    try {
      await importOptional(provider);
      if (await activate(name)) return { provider, gpu: provider === '@tensorflow/tfjs-node-gpu' };
      failures.push(`${provider} loaded but tf.setBackend('${name}') failed`);
    } catch (error) {
      failures.push(`${provider}: ${describeLoadError(error)}`);
    }
  }
  return { failures };
}

/**
 * Chooses, loads and activates the TensorFlow.js backend.
 *
 * Order: `UQJS_BACKEND` (environment) if set, else `opts.prefer` if given, else the best that
 * loads of `tensorflow` (from `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`),
 * `wasm`, `cpu`. `webgpu` (tfjs-backend-webgpu on Dawn's Node bindings, the `webgpu` package) is
 * used only when named: it trains on a GPU without libtensorflow, but cannot read tensors
 * synchronously (`dataSync()` throws), which several uqjs functions do. A backend asked for by
 * name that cannot load is an error that says how to install it; in automatic mode a backend
 * that cannot load is skipped. Picking `wasm` also
 * registers the fast training kernels ({@link enableFastWasmTraining}): without them the wasm
 * backend cannot train a CNN and trains an MLP ~10x slower.
 *
 * Library packages never call this: apps and scripts do, once, before building models.
 *
 * @example
 * ```ts
 * import { resolveBackend } from '@uqjs/backend';
 * const { name, gpu } = await resolveBackend({ prefer: 'wasm' });
 * ```
 * @throws {BackendError} when a named backend cannot load.
 * @since 0.1.0
 */
export async function resolveBackend(opts: ResolveBackendOptions = {}): Promise<ResolvedBackend> {
  const env = opts.env ?? process.env;
  const fromEnv = env.UQJS_BACKEND?.trim() || undefined;
  const requested = fromEnv ?? opts.prefer;
  const reason =
    fromEnv !== undefined ? 'UQJS_BACKEND' : opts.prefer !== undefined ? 'prefer' : 'auto';
  const log = opts.log === false ? () => {} : (opts.log ?? ((m: string) => console.error(m)));

  const candidates: readonly BackendName[] =
    requested === undefined
      ? AUTOMATIC_ORDER
      : [
          checkOneOf(
            requested,
            BACKEND_NAMES,
            reason === 'UQJS_BACKEND' ? 'UQJS_BACKEND' : 'opts.prefer',
            'resolveBackend',
          ),
        ];

  const skipped: string[] = [];
  for (const name of candidates) {
    const result = await load(name);
    if ('provider' in result) {
      const fastWasmTraining = name === 'wasm' && enableFastWasmTraining().kernels.length > 0;
      const resolved: ResolvedBackend = {
        name,
        provider: result.provider,
        gpu: result.gpu,
        reason,
        fastWasmTraining,
      };
      log(
        `[uqjs] backend: ${name} (${result.provider}${resolved.gpu ? ', GPU' : ''}; chosen by ${reason}` +
          `${fastWasmTraining ? '; fast wasm training kernels on' : ''})` +
          (skipped.length > 0 ? `; skipped: ${skipped.join('; ')}` : ''),
      );
      return resolved;
    }
    if (requested !== undefined) {
      throw new BackendError(
        `resolveBackend: backend '${name}' (from ${reason === 'UQJS_BACKEND' ? 'UQJS_BACKEND' : 'opts.prefer'}) ` +
          `cannot be loaded (${result.failures.join('; ')}); ${INSTALL_HINT[name]}`,
      );
    }
    skipped.push(`${name} (${result.failures.join('; ')})`);
  }
  throw new BackendError(
    `resolveBackend: no TensorFlow.js backend could be loaded (${skipped.join('; ')}); ${INSTALL_HINT.wasm}`,
  );
}
