import type { AdapterInfo } from './resolve-backend.js';

/** What the probe's child process found (one JSON line on its stdout). */
export type ProbeReport =
  | { readonly status: 'found'; readonly info: AdapterInfo }
  | { readonly status: 'none' }
  | { readonly status: 'missing'; readonly message: string }
  | { readonly status: 'failed'; readonly message: string };

/** A {@link ProbeReport} and what Dawn printed on stderr meanwhile, condensed to one line. */
export type AdapterProbe = ProbeReport & { readonly dawnLog: string };

/** How long the probe may take before it counts as failed (Dawn starts in ~0.3 s). */
const PROBE_TIMEOUT_MS = 30_000;

/**
 * Dawn's and the Vulkan loader's stderr as one line: distinct non-blank lines that are not
 * source locations, joined by ` | ` and cut at 300 characters.
 */
export function condenseDawnLog(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at '));
  const joined = [...new Set(lines)].join(' | ');
  return joined.length > 300 ? `${joined.slice(0, 297)}...` : joined;
}

/**
 * Asks Dawn (the `webgpu` package) for the WebGPU adapter tfjs-backend-webgpu would get, in a
 * child Node process, so that what Dawn and the Vulkan
 * loader print while they look for a driver (on a machine without a GPU: `XDG_RUNTIME_DIR is
 * invalid`, `Vulkan ... required`) does not reach this process's stderr in automatic mode;
 * it comes back as `dawnLog`, for the reason a skipped `webgpu` gives. Also a quick check
 * of a machine: `status: 'found'` with `info.isFallbackAdapter: false` is a hardware adapter.
 *
 * @example
 * ```ts
 * import { probeWebgpuAdapter } from '@uqjs/backend';
 * console.log(await probeWebgpuAdapter()); // { status: 'found', info: { vendor: 'nvidia', ... }, dawnLog: '' }
 * ```
 * @since 0.2.0
 */
export async function probeWebgpuAdapter(): Promise<AdapterProbe> {
  // Imported here, through variables, so that browser bundles of this package never see them.
  const [childProcess, url] = ['node:child_process', 'node:url'];
  const { execFile } = (await import(childProcess)) as typeof import('node:child_process');
  const { fileURLToPath } = (await import(url)) as typeof import('node:url');
  const script = fileURLToPath(new URL('./webgpu-probe-child.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script],
      { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const dawnLog = condenseDawnLog(stderr);
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve({ ...(JSON.parse(line) as ProbeReport), dawnLog });
        } catch {
          const why = error !== null ? error.message.split('\n')[0] : `unreadable answer '${line}'`;
          resolve({ status: 'failed', message: `the probe process failed: ${why}`, dawnLog });
        }
      },
    );
  });
}
