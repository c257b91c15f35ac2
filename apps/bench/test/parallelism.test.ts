import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../src/args.js';
import { describeParallelism, planThreads, planWorkers } from '../src/parallelism.js';

const auto = { workers: null, threads: null };

describe('threads x processes', () => {
  it('gives the cores to processes first, the rest to threads', () => {
    expect(planThreads(12, auto, 2)).toBe(1); // 2 processes x 1 thread
    expect(planThreads(1, auto, 2)).toBe(2); // one run: 1 process x 2 threads
    expect(planThreads(3, auto, 16)).toBe(5); // 3 processes x 5 threads
    expect(planThreads(1, auto, 32)).toBe(8); // at most 8 threads per backend
    expect(planThreads(12, { workers: 1, threads: null }, 2)).toBe(2); // --workers 1
    expect(planThreads(12, { workers: 4, threads: null }, 2)).toBe(1); // more workers than cores
    expect(planThreads(12, { workers: null, threads: 3 }, 2)).toBe(3); // --threads wins
  });

  it('runs one process per core on CPU backends and one on a GPU, at most one per run', () => {
    expect(planWorkers(12, 'wasm', null, 2)).toBe(2);
    expect(planWorkers(1, 'wasm', null, 2)).toBe(1);
    expect(planWorkers(12, 'webgpu', null, 16)).toBe(1);
    expect(planWorkers(12, 'tensorflow', null, 16)).toBe(1);
    expect(planWorkers(12, 'webgpu', 3, 16)).toBe(3);
    expect(planWorkers(0, 'wasm', null, 2)).toBe(1);
  });

  it('says threads only where they apply (wasm)', () => {
    expect(describeParallelism(2, 1, 'wasm')).toBe('2 workers');
    expect(describeParallelism(1, 2, 'wasm')).toBe('1 worker × 2 threads');
    expect(describeParallelism(1, 2, 'webgpu')).toBe('1 worker');
  });

  it('reads --threads', () => {
    const parsed = parseBenchArgs(['moons', '--threads', '2']);
    expect(parsed.kind === 'run' && parsed.config.execution.threads).toBe(2);
  });
});
