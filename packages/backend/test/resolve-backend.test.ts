import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { resolveBackend } from '../src/index.js';
import {
  describeAdapter,
  loadWebgpu,
  resolveBackendWith,
  type WebgpuDeps,
} from '../src/resolve-backend.js';
import { condenseDawnLog } from '../src/webgpu-probe.js';

const LAVAPIPE = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)',
  isFallbackAdapter: true,
};
const H100 = {
  vendor: 'nvidia',
  architecture: 'hopper',
  device: 'nvidia-h100-80gb-hbm3',
  description: 'NVIDIA: 580.159.04',
  isFallbackAdapter: false,
};

/** Fake Dawn that offers `info` as its adapter (null: none); records what was installed and activated. */
function fakeWebgpu(
  info: object | null,
  opts: {
    dawnMissing?: boolean;
    backendMissing?: boolean;
    activates?: boolean;
    dawnLog?: string;
  } = {},
): WebgpuDeps & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    probeAdapter: async () => {
      calls.push('probeAdapter');
      const dawnLog = opts.dawnLog ?? '';
      if (opts.dawnMissing === true)
        return {
          status: 'missing',
          message: "Cannot find package 'webgpu' imported from x",
          dawnLog,
        };
      return info === null ? { status: 'none', dawnLog } : { status: 'found', info, dawnLog };
    },
    importDawn: async () => {
      calls.push('importDawn');
      if (opts.dawnMissing === true)
        throw new Error("Cannot find package 'webgpu' imported from x");
      return {
        create: () => ({
          requestAdapter: async (o?: object) => {
            calls.push(`requestAdapter ${JSON.stringify(o)}`);
            return info === null ? null : { info };
          },
        }),
        globals: {},
      };
    },
    install: () => {
      calls.push('install');
    },
    importBackend: async () => {
      calls.push('importBackend');
      if (opts.backendMissing === true)
        throw new Error("Cannot find package '@tensorflow/tfjs-backend-webgpu' imported from x");
    },
    activate: async (name) => {
      calls.push(`activate ${name}`);
      return opts.activates !== false;
    },
  };
}

describe('resolveBackend', () => {
  it('honours UQJS_BACKEND=cpu and reports the choice', async () => {
    const messages: string[] = [];
    const chosen = await resolveBackend({
      env: { UQJS_BACKEND: 'cpu' },
      log: (m) => messages.push(m),
    });
    expect(chosen).toEqual({
      name: 'cpu',
      provider: '@tensorflow/tfjs-backend-cpu',
      gpu: false,
      reason: 'UQJS_BACKEND',
      fastWasmTraining: false,
    });
    expect(tf.getBackend()).toBe('cpu');
    expect(messages).toEqual([
      '[uqjs] backend: cpu (@tensorflow/tfjs-backend-cpu; chosen by UQJS_BACKEND)',
    ]);
  });

  it('honours UQJS_BACKEND=wasm, which then computes and can train a CNN', async () => {
    const messages: string[] = [];
    const chosen = await resolveBackend({
      env: { UQJS_BACKEND: 'wasm' },
      log: (m) => messages.push(m),
    });
    expect(chosen).toMatchObject({ name: 'wasm', fastWasmTraining: true });
    expect(tf.getBackend()).toBe('wasm');
    expect(messages).toEqual([
      '[uqjs] backend: wasm (@tensorflow/tfjs-backend-wasm; chosen by UQJS_BACKEND; fast wasm training kernels on)',
    ]);
    // Stock tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter; choosing wasm registers one.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await product.data())).toEqual([11]);
    product.dispose();
  });

  it('lets UQJS_BACKEND win over prefer', async () => {
    const chosen = await resolveBackend({
      env: { UQJS_BACKEND: 'cpu' },
      prefer: 'wasm',
      log: false,
    });
    expect(chosen.name).toBe('cpu');
    const preferred = await resolveBackend({ env: {}, prefer: 'wasm', log: false });
    expect(preferred).toMatchObject({ name: 'wasm', reason: 'prefer' });
  });

  it('explains how to install tensorflow when it cannot load', async () => {
    // libtensorflow cannot be installed on this machine, so neither provider loads here.
    const attempt = resolveBackend({ env: { UQJS_BACKEND: 'tensorflow' }, log: false });
    await expect(attempt).rejects.toThrow(BackendError);
    await expect(
      resolveBackend({ env: { UQJS_BACKEND: 'tensorflow' }, log: false }),
    ).rejects.toThrow(
      /backend 'tensorflow' \(from UQJS_BACKEND\) cannot be loaded \(@tensorflow\/tfjs-node-gpu: .*; @tensorflow\/tfjs-node: .*\); install one of them: `npm install @tensorflow\/tfjs-node-gpu`/,
    );
  });

  it('falls back automatically past tensorflow and a machine without a hardware WebGPU adapter', async () => {
    // This machine has no GPU: Dawn finds no adapter, or only lavapipe (a software one). The
    // built package, whose probe runs dist/webgpu-probe-child.js in a child process.
    const built = await import('@uqjs/backend');
    const messages: string[] = [];
    const chosen = await built.resolveBackend({ env: {}, log: (m) => messages.push(m) });
    expect(chosen).toMatchObject({ name: 'wasm', reason: 'auto' });
    expect(chosen.adapter).toBeUndefined();
    expect(messages[0]).toMatch(
      /^\[uqjs\] backend: wasm .*skipped: tensorflow \(.*\); webgpu \(webgpu: (Dawn found no WebGPU adapter|only a software adapter)/,
    );
  });

  it('picks webgpu automatically on a hardware adapter, after tensorflow and before wasm, and logs it', async () => {
    const fake = fakeWebgpu(H100);
    const messages: string[] = [];
    const chosen = await resolveBackendWith({ env: {}, log: (m) => messages.push(m) }, fake);
    expect(chosen).toEqual({
      name: 'webgpu',
      provider: '@tensorflow/tfjs-backend-webgpu',
      gpu: true,
      reason: 'auto',
      fastWasmTraining: false,
      adapter: {
        vendor: 'nvidia',
        device: 'nvidia-h100-80gb-hbm3',
        description: 'NVIDIA: 580.159.04',
        software: false,
      },
    });
    // The adapter is checked (out of process, then in) before navigator.gpu is installed and
    // the backend imported.
    expect(fake.calls).toEqual([
      'probeAdapter',
      'importDawn',
      'requestAdapter {"powerPreference":"high-performance"}',
      'install',
      'importBackend',
      'activate webgpu',
    ]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^\[uqjs\] backend: webgpu \(@tensorflow\/tfjs-backend-webgpu, GPU: nvidia nvidia-h100-80gb-hbm3; NVIDIA: 580\.159\.04; chosen by auto\); skipped: tensorflow \(/,
    );
  });

  it('skips a software adapter in automatic mode without loading Dawn or the webgpu backend here', async () => {
    const fake = fakeWebgpu(LAVAPIPE);
    const messages: string[] = [];
    const chosen = await resolveBackendWith({ env: {}, log: (m) => messages.push(m) }, fake);
    expect(chosen).toMatchObject({ name: 'wasm', reason: 'auto' });
    expect(fake.calls).toEqual(['probeAdapter']);
    expect(messages[0]).toContain(
      'webgpu (webgpu: only a software adapter (mesa llvmpipe-llvm-15-0-6-256-bits-; llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)), slower than wasm; name the backend to use it)',
    );
  });

  it('uses a software adapter when webgpu is named, reporting it as software and not a GPU', async () => {
    const messages: string[] = [];
    const chosen = await resolveBackendWith(
      { env: { UQJS_BACKEND: 'webgpu' }, log: (m) => messages.push(m) },
      fakeWebgpu(LAVAPIPE),
    );
    expect(chosen).toMatchObject({
      name: 'webgpu',
      gpu: false,
      reason: 'UQJS_BACKEND',
      adapter: { vendor: 'mesa', software: true },
    });
    expect(messages).toEqual([
      '[uqjs] backend: webgpu (@tensorflow/tfjs-backend-webgpu, software adapter, no GPU: mesa llvmpipe-llvm-15-0-6-256-bits-; llvmpipe: Mesa 25.0.7 (LLVM 15.0.6); chosen by UQJS_BACKEND)',
    ]);
  });

  it('says what is missing and how to install it when a named webgpu cannot load', async () => {
    const cases: [WebgpuDeps, RegExp][] = [
      [
        fakeWebgpu(H100, { dawnMissing: true }),
        /\(webgpu \(Dawn's Node bindings\): Cannot find package 'webgpu'/,
      ],
      [
        fakeWebgpu(H100, { backendMissing: true }),
        /\(@tensorflow\/tfjs-backend-webgpu: Cannot find package '@tensorflow\/tfjs-backend-webgpu'/,
      ],
      [
        fakeWebgpu(null),
        /\(webgpu: Dawn found no WebGPU adapter \(no GPU, or no Vulkan loader or driver/,
      ],
      [fakeWebgpu(H100, { activates: false }), /tf\.setBackend\('webgpu'\) failed/],
    ];
    for (const [fake, reason] of cases) {
      const attempt = resolveBackendWith({ env: {}, prefer: 'webgpu', log: false }, fake);
      await expect(attempt).rejects.toThrow(BackendError);
      const message = await attempt.catch((e: Error) => e.message);
      expect(message).toMatch(
        /^resolveBackend: backend 'webgpu' \(from opts\.prefer\) cannot be loaded /,
      );
      expect(message).toMatch(reason);
      expect(message).toContain(
        'install both: `npm install webgpu @tensorflow/tfjs-backend-webgpu`',
      );
      expect(message).toContain('`apt-get install libvulkan1`');
    }
    expect(tf.getBackend()).not.toBe('webgpu');
  });

  it("tells software adapters from hardware ones by any of Dawn's signs", () => {
    expect(describeAdapter(H100).software).toBe(false);
    expect(describeAdapter(LAVAPIPE).software).toBe(true);
    expect(describeAdapter({ ...H100, isFallbackAdapter: true }).software).toBe(true);
    expect(describeAdapter({ ...H100, architecture: 'software' }).software).toBe(true);
    expect(describeAdapter({ vendor: 'google', device: 'SwiftShader Device' }).software).toBe(true);
    expect(describeAdapter({})).toEqual({
      vendor: '',
      device: '',
      description: '',
      software: false,
    });
  });

  it("gives Dawn's log from the probe as the reason webgpu was skipped when it found no adapter", async () => {
    const fake = fakeWebgpu(null, {
      dawnLog: 'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
    });
    expect(await loadWebgpu(false, fake)).toEqual({
      failures: [
        'webgpu: Dawn found no WebGPU adapter (no GPU, or no Vulkan loader or driver for it; Dawn said: Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.)',
      ],
    });
    expect(fake.calls).toEqual(['probeAdapter']);
    expect(await loadWebgpu(false, fakeWebgpu(H100, { dawnMissing: true }))).toEqual({
      failures: ["webgpu (Dawn's Node bindings): Cannot find package 'webgpu' imported from x"],
    });
  });

  it('accepts a software adapter through loadWebgpu only when named', async () => {
    expect(await loadWebgpu(false, fakeWebgpu(LAVAPIPE))).toEqual({
      failures: [expect.stringMatching(/^webgpu: only a software adapter/)],
    });
    expect(await loadWebgpu(true, fakeWebgpu(LAVAPIPE))).toMatchObject({ gpu: false });
    expect(await loadWebgpu(false, fakeWebgpu(H100))).toMatchObject({ gpu: true });
  });

  it('rejects an unknown backend name', async () => {
    await expect(resolveBackend({ env: { UQJS_BACKEND: 'webgl2' }, log: false })).rejects.toThrow(
      new InvalidArgumentError({
        fn: 'resolveBackend',
        argument: 'UQJS_BACKEND',
        expected: "one of 'tensorflow', 'webgpu', 'wasm', 'cpu'",
        given: 'webgl2',
      }).message,
    );
  });
});

describe('condenseDawnLog', () => {
  it('keeps distinct lines, drops source locations and blank lines, and cuts long logs', () => {
    const stderr = [
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
      ' - While initializing adapter (backend=BackendType::Vulkan)',
      '    at InitializeImpl (/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
      '',
    ].join('\n');
    expect(condenseDawnLog(stderr)).toBe(
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment. | Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. | - While initializing adapter (backend=BackendType::Vulkan)',
    );
    expect(condenseDawnLog('')).toBe('');
    const long = condenseDawnLog(Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n'));
    expect(long).toHaveLength(300);
    expect(long.endsWith('...')).toBe(true);
  });
});

describe('probeWebgpuAdapter', () => {
  it("keeps Dawn's driver search off the caller's stderr in automatic mode", () => {
    // A fresh process resolves automatically; its stderr must be the one [uqjs] line (Dawn's
    // own messages, when it prints any on this machine, come back inside the skipped reason).
    const script = `import { resolveBackend } from '@uqjs/backend'; await resolveBackend();`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      env: { ...process.env, UQJS_BACKEND: '' },
    });
    expect(child.status).toBe(0);
    const lines = child.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[uqjs\] backend: (wasm|webgpu|tensorflow) /);
  });

  it('answers with what Dawn found, in a child process', async () => {
    // The built package: the child process runs dist/webgpu-probe-child.js.
    const { probeWebgpuAdapter } = await import('@uqjs/backend');
    const probe = await probeWebgpuAdapter();
    expect(['found', 'none', 'missing']).toContain(probe.status);
    expect(typeof probe.dawnLog).toBe('string');
  });
});
