import * as tf from '@tensorflow/tfjs-core';
import { BackendError, checkOneOf } from '@uqjs/core';
import { enableFastWasmTraining } from './fast-wasm-training.js';

/** The backends uqjs knows how to pick, best first. */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;

/** A backend uqjs can pick. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What {@link resolveBackend} chose. */
export interface ResolvedBackend {
  /** The tfjs backend now active: `'tensorflow'`, `'wasm'` or `'cpu'`. */
  readonly name: BackendName;
  /** The npm package that provides it, e.g. `'@tensorflow/tfjs-node-gpu'`. */
  readonly provider: string;
  /** True when the provider is the CUDA build (`@tensorflow/tfjs-node-gpu`). */
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

/** Tries to load one backend; returns its provider, or the reasons it could not load. */
async function load(name: BackendName): Promise<{ provider: string } | { failures: string[] }> {
  const failures: string[] = [];
  const providers =
    name === 'tensorflow' ? TENSORFLOW_PROVIDERS : [`@tensorflow/tfjs-backend-${name}`];
  for (const provider of providers) {
    try {
      await importOptional(provider);
      if (await activate(name)) return { provider };
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
 * `wasm`, `cpu`. A backend asked for by name that cannot load is an error that says how to
 * install it; in automatic mode a backend that cannot load is skipped. Picking `wasm` also
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
      ? BACKEND_NAMES
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
        gpu: result.provider === '@tensorflow/tfjs-node-gpu',
        reason,
        fastWasmTraining,
      };
      log(
        `[uqjs] backend: ${name} (${result.provider}${resolved.gpu ? ', GPU build' : ''}; chosen by ${reason}` +
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
