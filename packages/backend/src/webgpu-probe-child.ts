// Run by `probeWebgpuAdapter` in a child process: asks Dawn for the adapter tfjs-backend-webgpu
// would get and prints one JSON line (a `ProbeReport`) on stdout. Whatever Dawn and the Vulkan
// loader print on stderr while they look for drivers stays in this process's stderr, which the
// parent reads instead of passing on.
import type { ProbeReport } from './webgpu-probe.js';

async function probe(): Promise<ProbeReport> {
  let dawn: { create(options: string[]): { requestAdapter(o: object): Promise<unknown> } };
  try {
    dawn = (await import('webgpu')) as typeof dawn;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'missing', message: message.split('\n')[0] ?? message };
  }
  const found = (await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' })) as {
    info?: Record<string, unknown>;
  } | null;
  if (found === null) return { status: 'none' };
  const info = found.info ?? {};
  const text = (key: string): string =>
    typeof info[key] === 'string' ? (info[key] as string) : '';
  return {
    status: 'found',
    info: {
      vendor: text('vendor'),
      architecture: text('architecture'),
      device: text('device'),
      description: text('description'),
      isFallbackAdapter: info.isFallbackAdapter === true,
    },
  };
}

const report = await probe().catch(
  (error: unknown): ProbeReport => ({
    status: 'failed',
    message: error instanceof Error ? error.message : String(error),
  }),
);
process.stdout.write(`${JSON.stringify(report)}\n`);
// Dawn keeps its instance's threads alive; the answer is out, so end here.
process.exit(0);
