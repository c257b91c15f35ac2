import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { resolveBackend } from '../src/index.js';

// The children run the built package (`dist/`), as an app would: `npm test` builds first.
const child = new URL('./fixtures/threaded-training.mjs', import.meta.url).pathname;

interface Run {
  readonly threads: number;
  readonly losses: number[];
  readonly digest: number[];
  /** CPU clock ticks of each thread of the process, busiest first. */
  readonly busy: number[];
}

function train(threads: number): Run {
  // The child ends without process.exit: the pool's waiting threads must not keep it alive.
  const out = spawnSync(process.execPath, [child, String(threads)], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  if (out.status !== 0) {
    throw new Error(
      `child (threads ${threads}) failed or did not exit: ${out.signal ?? ''} ${out.stderr}`,
    );
  }
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as Run;
}

describe('resolveBackend({ threads }) on wasm in Node', () => {
  it('runs XNNPACK on 2 threads, with the single-threaded results', () => {
    const one = train(1);
    const two = train(2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    // XNNPACK splits a product's output tiles over the threads, never a sum, so every number is
    // computed in the same order: equal to float32 rounding at most (observed: identical).
    two.losses.forEach((loss, i) => {
      expect(Math.abs(loss - one.losses[i]!) / one.losses[i]!).toBeLessThan(1e-6);
    });
    two.digest.forEach((d, i) => {
      expect(Math.abs(d - one.digest[i]!)).toBeLessThanOrEqual(
        1e-5 * Math.max(1, Math.abs(one.digest[i]!)),
      );
    });
    expect(one.losses.at(-1)!).toBeLessThan(one.losses[0]!); // it trained
    // The pool's second thread took a real share of the 30 products (about half of them); with
    // one thread nothing but the main thread does such work (V8's helper threads: a few ticks).
    expect(two.busy[1]!).toBeGreaterThan(0.25 * two.busy[0]!);
    expect(one.busy[1]!).toBeLessThan(0.25 * one.busy[0]!);
  });

  it('refuses a thread count once the wasm backend runs with another one', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('wasm'); // initialized with tfjs's default: 1 thread in Node
    try {
      await expect(
        resolveBackend({ prefer: 'wasm', threads: 2, log: false, env: {} }),
      ).rejects.toThrow(BackendError);
      await expect(
        resolveBackend({ prefer: 'wasm', threads: 2, log: false, env: {} }),
      ).rejects.toThrow(/opts\.threads is 2, but the wasm backend already runs with 1 thread/);
      // In automatic mode too: an error, not a reason to skip wasm for the next backend.
      await expect(resolveBackend({ threads: 2, log: false, env: {} })).rejects.toThrow(
        /opts\.threads is 2, but the wasm backend already runs with 1 thread/,
      );
      await expect(
        resolveBackend({ prefer: 'wasm', log: false, env: { UQJS_WASM_THREADS: '2' } }),
      ).rejects.toThrow(/UQJS_WASM_THREADS is 2, but the wasm backend already runs with 1 thread/);
      const same = await resolveBackend({ prefer: 'wasm', threads: 1, log: false, env: {} });
      expect(same.threads).toBe(1);
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('names opts.threads when it is not an integer in [1, 8]', async () => {
    for (const threads of [0, 9, 1.5, Number.NaN]) {
      await expect(resolveBackend({ prefer: 'cpu', threads, log: false, env: {} })).rejects.toThrow(
        InvalidArgumentError,
      );
    }
    await expect(
      resolveBackend({ prefer: 'cpu', threads: 9, log: false, env: {} }),
    ).rejects.toThrow(/opts\.threads/);
  });
});
