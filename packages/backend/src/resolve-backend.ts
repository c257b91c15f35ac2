import * as tf from '@tensorflow/tfjs-core';
import { BackendError, checkInRange, checkInteger, checkOneOf } from '@uqjs/core';
import { enableFastWasmTraining } from './fast-wasm-training.js';
import {
  checkWasmThreads,
  MAX_WASM_THREADS,
  runningWasmThreads,
  withWasmThreads,
} from './wasm-threads.js';
import { type AdapterProbe, probeWebgpuAdapter } from './webgpu-probe.js';

/** The backends uqjs knows how to pick, best first. */
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

/** A backend uqjs can pick. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * The order tried when no backend is named. `webgpu` counts only with a hardware adapter: a
 * software one (Mesa lavapipe, SwiftShader) is correct but slower than `wasm` (docs/webgpu.md in
 * the repository), so it is used only when named.
 */
const AUTOMATIC_ORDER: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/** The WebGPU adapter behind a `webgpu` backend, as Dawn describes it. */
export interface WebgpuAdapter {
  /** E.g. `'nvidia'`, `'mesa'`. */
  readonly vendor: string;
  /** E.g. `'nvidia-h100-80gb-hbm3'`, `'llvmpipe-llvm-15-0-6-256-bits-'`. */
  readonly device: string;
  /** E.g. `'NVIDIA: 580.159.04'`, `'llvmpipe: Mesa 25.0.7 ...'`. */
  readonly description: string;
  /** True for a software rasterizer exposed as a GPU (lavapipe, SwiftShader): no GPU behind it. */
  readonly software: boolean;
}

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
  /** For `webgpu` only: the adapter it runs on. */
  readonly adapter?: WebgpuAdapter;
  /** For `wasm` only: the threads of its XNNPACK pool (1 unless `opts.threads` asked for more). */
  readonly threads?: number;
}

/** Options of {@link resolveBackend}. */
export interface ResolveBackendOptions {
  /** Use this backend (e.g. from a `--backend` flag); `UQJS_BACKEND` still wins. Default: best available. */
  readonly prefer?: BackendName;
  /** Where to report the choice; `false` to stay quiet. Default: `console.error`. */
  readonly log?: ((message: string) => void) | false;
  /** Environment to read `UQJS_BACKEND` and `UQJS_WASM_THREADS` from. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Threads for the `wasm` backend: an integer in `[1, 8]`. Above 1, the threaded SIMD build of
   * tfjs-backend-wasm, in Node too (`worker_threads`): XNNPACK's kernels split their work over
   * that many threads of this process. Takes effect only when `wasm` is chosen, and only if the
   * wasm backend has not been initialized before (else a `BackendError`, unless it already runs
   * with as many). Default: `UQJS_WASM_THREADS` from `env` if set, else tfjs's own (1 thread in
   * Node).
   */
  readonly threads?: number;
}

const TENSORFLOW_PROVIDERS = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const INSTALL_HINT: Record<BackendName, string> = {
  tensorflow:
    'install one of them: `npm install @tensorflow/tfjs-node-gpu` (NVIDIA GPU with CUDA 11.2 and cuDNN 8.1) ' +
    'or `npm install @tensorflow/tfjs-node` (CPU); both download libtensorflow when installed, ' +
    'so the machine needs access to storage.googleapis.com at install time',
  webgpu:
    'install both: `npm install webgpu @tensorflow/tfjs-backend-webgpu` (Dawn, prebuilt, nothing downloaded ' +
    'at install); on Linux the machine also needs a Vulkan loader and a Vulkan driver (Debian/Ubuntu: ' +
    '`apt-get install libvulkan1`; NVIDIA in a container also `libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2`; ' +
    'no GPU: Mesa >= 24 lavapipe, see tools/webgpu/install-lavapipe.sh in the uqjs repository)',
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
type LoadResult =
  | { provider: string; gpu: boolean; adapter?: WebgpuAdapter }
  | { failures: string[] };

/** The members of Dawn's `GPUAdapterInfo` read here (all strings; missing ones read as `''`). */
export interface AdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

/** The members of Dawn's `GPU` (`navigator.gpu`) used here. */
interface DawnGpu {
  requestAdapter(options?: object): Promise<{ info?: AdapterInfo } | null>;
}

/** The parts of the `webgpu` package (Dawn's Node bindings) used here. */
interface DawnModule {
  create(options: string[]): DawnGpu;
  globals: object;
}

/** What {@link loadWebgpu} needs from the outside world; replaced in tests. */
export interface WebgpuDeps {
  /** In automatic mode, looks for an adapter out of process first ({@link probeWebgpuAdapter}). */
  readonly probeAdapter: () => Promise<AdapterProbe>;
  /** Imports the `webgpu` package. */
  readonly importDawn: () => Promise<DawnModule>;
  /** Imports `@tensorflow/tfjs-backend-webgpu` (which registers `'webgpu'` if `navigator.gpu` exists). */
  readonly importBackend: () => Promise<unknown>;
  /** Sets `navigator.gpu` and Dawn's globals (`GPUBufferUsage`, ...). */
  readonly install: (dawn: DawnModule, gpu: DawnGpu) => void;
  /** `tf.setBackend(name)` and true when it is then active. */
  readonly activate: (name: string) => Promise<boolean>;
}

/**
 * Describes a Dawn adapter; `software` when Dawn calls it a fallback adapter, its architecture is
 * `'software'`, or its names are those of a CPU rasterizer.
 */
export function describeAdapter(info: AdapterInfo): WebgpuAdapter {
  const vendor = info.vendor ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const names = `${vendor} ${info.architecture ?? ''} ${device} ${description}`;
  const software =
    info.isFallbackAdapter === true ||
    info.architecture === 'software' ||
    /llvmpipe|lavapipe|softpipe|swiftshader/i.test(names);
  return { vendor, device, description, software };
}

/** `vendor device (description)`, for the log line and messages. */
function adapterLabel(adapter: WebgpuAdapter): string {
  const name = [adapter.vendor, adapter.device].filter((p) => p !== '').join(' ') || 'unnamed';
  return adapter.description !== '' ? `${name}; ${adapter.description}` : name;
}

function installDawn(dawn: DawnModule, gpu: DawnGpu): void {
  Object.assign(globalThis, dawn.globals);
  // Node 20 has no navigator; Node 21+ has a read-only one without gpu.
  const global = globalThis as { navigator?: object };
  if (global.navigator === undefined) {
    Object.defineProperty(global, 'navigator', { value: { gpu }, configurable: true });
  } else {
    Object.defineProperty(global.navigator, 'gpu', { value: gpu, configurable: true });
  }
}

const WEBGPU_PROVIDER = '@tensorflow/tfjs-backend-webgpu';

const DEFAULT_WEBGPU_DEPS: WebgpuDeps = {
  probeAdapter: probeWebgpuAdapter,
  importDawn: async () => (await importOptional('webgpu')) as DawnModule,
  importBackend: () => importOptional(WEBGPU_PROVIDER),
  install: installDawn,
  activate,
};

/** `, Dawn said: ...` when Dawn printed something, else nothing. */
function dawnSaid(probe: AdapterProbe): string {
  return probe.dawnLog !== '' ? `; Dawn said: ${probe.dawnLog}` : '';
}

/**
 * Automatic mode's look for a hardware adapter, in a child process: the reasons `webgpu` is
 * skipped, or `undefined` when there is one. Dawn prints its driver search on stderr; only a
 * machine with a hardware adapter goes on to create Dawn in this process.
 */
async function hardwareAdapterMissing(deps: WebgpuDeps): Promise<string[] | undefined> {
  const probe = await deps.probeAdapter();
  switch (probe.status) {
    case 'found': {
      const adapter = describeAdapter(probe.info);
      return adapter.software
        ? [
            `webgpu: only a software adapter (${adapterLabel(adapter)}), slower than wasm; name the backend to use it`,
          ]
        : undefined;
    }
    case 'none':
      return [
        `webgpu: Dawn found no WebGPU adapter (no GPU, or no Vulkan loader or driver for it${dawnSaid(probe)})`,
      ];
    case 'missing':
      return [`webgpu (Dawn's Node bindings): ${probe.message}`];
    case 'failed':
      return [`webgpu: asking Dawn for an adapter failed: ${probe.message}${dawnSaid(probe)}`];
  }
}

/**
 * `webgpu`: asks Dawn for the adapter tfjs-backend-webgpu will use, refuses a software adapter
 * unless `named`, then installs Dawn's `navigator.gpu` (tfjs-backend-webgpu registers itself at
 * import only when it exists), imports the backend and activates it. Unless `named`, a child
 * process looks for a hardware adapter first ({@link probeWebgpuAdapter}), so that a machine
 * without one sees none of Dawn's driver search on stderr.
 */
export async function loadWebgpu(
  named: boolean,
  deps: WebgpuDeps = DEFAULT_WEBGPU_DEPS,
): Promise<LoadResult> {
  if (!named) {
    const failures = await hardwareAdapterMissing(deps);
    if (failures !== undefined) return { failures };
  }
  let dawn: DawnModule;
  try {
    dawn = await deps.importDawn();
  } catch (error) {
    return { failures: [`webgpu (Dawn's Node bindings): ${describeLoadError(error)}`] };
  }
  let adapter: WebgpuAdapter;
  let gpu: DawnGpu;
  try {
    gpu = dawn.create([]);
    // The descriptor tfjs-backend-webgpu 4.22 uses itself, so this is the adapter it will get.
    const found = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (found === null) {
      return {
        failures: [
          'webgpu: Dawn found no WebGPU adapter (no GPU, or no Vulkan loader or driver for it; Dawn printed why on stderr)',
        ],
      };
    }
    adapter = describeAdapter(found.info ?? {});
  } catch (error) {
    return { failures: [`webgpu: asking Dawn for an adapter failed: ${describeLoadError(error)}`] };
  }
  if (adapter.software && !named) {
    return {
      failures: [
        `webgpu: only a software adapter (${adapterLabel(adapter)}), slower than wasm; name the backend to use it`,
      ],
    };
  }
  try {
    deps.install(dawn, gpu);
    await deps.importBackend();
  } catch (error) {
    return { failures: [`${WEBGPU_PROVIDER}: ${describeLoadError(error)}`] };
  }
  if (await deps.activate('webgpu')) {
    return { provider: WEBGPU_PROVIDER, gpu: !adapter.software, adapter };
  }
  return {
    failures: [
      `${WEBGPU_PROVIDER} loaded but tf.setBackend('webgpu') failed (imported before navigator.gpu was set?)`,
    ],
  };
}

/**
 * The wasm thread count asked for: `opts.threads`, else `UQJS_WASM_THREADS` (how a parent process
 * passes it to workers), checked to be an integer in `[1, MAX_WASM_THREADS]`; `undefined` when
 * neither is set.
 */
function wasmThreads(
  option: number | undefined,
  fromEnv: string | undefined,
): { readonly count: number; readonly argument: string } | undefined {
  const text = fromEnv?.trim();
  if (option === undefined && (text === undefined || text === '')) return undefined;
  const argument = option !== undefined ? 'opts.threads' : 'UQJS_WASM_THREADS';
  const value = option ?? Number(text);
  const count = checkInRange(
    checkInteger(value, argument, 'resolveBackend', 1),
    argument,
    'resolveBackend',
    1,
    MAX_WASM_THREADS,
  );
  return { count, argument };
}

/**
 * Tries to load one backend (`wasm` with `threads` threads when given); returns its provider, or
 * the reasons it could not load.
 */
async function load(
  name: BackendName,
  named: boolean,
  webgpu: WebgpuDeps,
  threads: number | undefined,
): Promise<LoadResult> {
  if (name === 'webgpu') return loadWebgpu(named, webgpu);
  const failures: string[] = [];
  const providers =
    name === 'tensorflow' ? TENSORFLOW_PROVIDERS : [`@tensorflow/tfjs-backend-${name}`];
  for (const provider of providers) {
    try {
      await importOptional(provider);
      const activated =
        name === 'wasm' && threads !== undefined
          ? await withWasmThreads(threads, () => activate(name))
          : await activate(name);
      if (activated) return { provider, gpu: provider === '@tensorflow/tfjs-node-gpu' };
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
 * `webgpu` (tfjs-backend-webgpu on Dawn's Node bindings, the `webgpu` package: a GPU without
 * libtensorflow) on a hardware adapter, `wasm`, `cpu`. A software WebGPU adapter (Mesa lavapipe)
 * is used only when `webgpu` is named, and reported as such (`gpu: false`, `adapter.software`).
 * A backend asked for by name that cannot load is an error that says what is missing and how to
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
  return resolveBackendWith(opts, DEFAULT_WEBGPU_DEPS);
}

/** {@link resolveBackend} with the `webgpu` loading replaced (tests inject adapters). */
export async function resolveBackendWith(
  opts: ResolveBackendOptions,
  webgpuDeps: WebgpuDeps,
): Promise<ResolvedBackend> {
  const env = opts.env ?? process.env;
  const fromEnv = env.UQJS_BACKEND?.trim() || undefined;
  const requested = fromEnv ?? opts.prefer;
  const reason =
    fromEnv !== undefined ? 'UQJS_BACKEND' : opts.prefer !== undefined ? 'prefer' : 'auto';
  const log = opts.log === false ? () => {} : (opts.log ?? ((m: string) => console.error(m)));
  const threads = wasmThreads(opts.threads, env.UQJS_WASM_THREADS);

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
    // A thread count the started wasm backend cannot have is an error, never a reason to skip it.
    if (name === 'wasm' && threads !== undefined) {
      await checkWasmThreads(threads.count, threads.argument);
    }
    const result = await load(name, requested !== undefined, webgpuDeps, threads?.count);
    if ('provider' in result) {
      const fastWasmTraining = name === 'wasm' && enableFastWasmTraining().kernels.length > 0;
      const poolThreads = name === 'wasm' ? await runningWasmThreads() : undefined;
      const resolved: ResolvedBackend = {
        name,
        provider: result.provider,
        gpu: result.gpu,
        reason,
        fastWasmTraining,
        ...(result.adapter !== undefined ? { adapter: result.adapter } : {}),
        ...(poolThreads !== undefined ? { threads: poolThreads } : {}),
      };
      const where =
        result.adapter === undefined
          ? resolved.gpu
            ? ', GPU'
            : ''
          : `, ${result.adapter.software ? 'software adapter, no GPU' : 'GPU'}: ${adapterLabel(result.adapter)}`;
      log(
        `[uqjs] backend: ${name} (${result.provider}${where}; chosen by ${reason}` +
          `${fastWasmTraining ? '; fast wasm training kernels on' : ''}` +
          `${poolThreads !== undefined && poolThreads > 1 ? `; ${poolThreads} threads` : ''})` +
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
