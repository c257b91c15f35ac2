import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor1d } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';
import { afterAll, describe, expect, it } from 'vitest';

// Workers fork the compiled `dist/worker-runner.js`, so this suite runs the built package
// (`npx tsc -p tsconfig.build.json` first; `npm test` builds before testing).
const dist = new URL('../dist/node.js', import.meta.url).href;
const { runInWorkers, WorkerTaskError } = (await import(dist)) as typeof import('../src/node.js');

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const CPU = { UQJS_BACKEND: 'cpu' };

interface Echo {
  id: number;
  doubled: number;
  pid: number;
  backend: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Live child processes of this process (Linux /proc; the stat's 4th field is the parent). */
function childPids(): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(parent) === process.pid && state !== 'Z') children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

describe('runInWorkers', () => {
  it('returns results in task order although they complete out of order', async () => {
    // Later tasks are quicker, so completion order differs from task order.
    const tasks = [0, 1, 2, 3, 4, 5].map((id) => ({ id, delayMs: (6 - id) * 40 }));
    const seen: [number, number][] = [];
    const results = await runInWorkers<(typeof tasks)[number], Echo>(tasks, {
      module: fixture('echo-task.mjs'),
      workers: 2,
      env: CPU,
      onResult: (result, index) => seen.push([index, result.id]),
    });
    expect(results.map((r) => r.doubled)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(seen.every(([index, id]) => index === id)).toBe(true);
    expect(seen.map(([index]) => index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(results.map((r) => r.pid)).size).toBe(2);
    expect(results.every((r) => r.pid !== process.pid && !isAlive(r.pid))).toBe(true);
  });

  it('lets each worker pick its backend through resolveBackend (UQJS_BACKEND)', async () => {
    const module = fixture('echo-task.mjs');
    const [onWasm] = await runInWorkers<{ id: number }, Echo>([{ id: 1 }], {
      module,
      env: { UQJS_BACKEND: 'wasm' },
    });
    const [onCpu] = await runInWorkers<{ id: number }, Echo>([{ id: 1 }], { module, env: CPU });
    expect([onWasm?.backend, onCpu?.backend]).toEqual(['wasm', 'cpu']);
  });

  it('runs two workers at the same time (and one worker does not)', async () => {
    const rendezvous = async (workers: number, waitMs: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'uqjs-rendezvous-'));
      scratchDirs.push(dir);
      const tasks = [0, 1].map((id) => ({ id, dir, waitMs }));
      return runInWorkers<
        (typeof tasks)[number],
        { met: boolean; pid: number; start: number; end: number }
      >(tasks, { module: fixture('rendezvous-task.mjs'), workers, env: CPU });
    };
    const two = await rendezvous(2, 30_000);
    expect(two.map((r) => r.met)).toEqual([true, true]);
    expect(two[0]!.pid).not.toBe(two[1]!.pid);
    // Their time windows overlap.
    expect(two[0]!.start < two[1]!.end && two[1]!.start < two[0]!.end).toBe(true);
    // Control: with one worker the tasks run in sequence and never meet.
    const one = await rendezvous(1, 500);
    expect(one.map((r) => r.met)).toEqual([false, false]);
    expect(one[0]!.pid).toBe(one[1]!.pid);
  });

  it('rejects with the failing task index and message, and stops every worker', async () => {
    const tasks = [
      { id: 0 },
      { id: 1 },
      { id: 2, delayMs: 100, fail: true },
      { id: 3, delayMs: 60_000 },
    ];
    let workersWhileRunning: number[] = [];
    const attempt = runInWorkers<(typeof tasks)[number], Echo>(tasks, {
      module: fixture('echo-task.mjs'),
      workers: 2,
      env: CPU,
      onResult: () => {
        if (workersWhileRunning.length === 0) workersWhileRunning = childPids();
      },
    });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkerTaskError);
    expect((error as InstanceType<typeof WorkerTaskError>).taskIndex).toBe(2);
    expect((error as Error).message).toMatch(
      /^runInWorkers: task 2 failed in worker \d+: bad task 2$/,
    );
    expect((error as InstanceType<typeof WorkerTaskError>).workerStack).toMatch(/echo-task\.mjs/);
    // Both workers were alive at the first result; once the call rejected, none is left,
    // including the one still starting, running task 1 or sleeping in task 3.
    expect(workersWhileRunning).toHaveLength(2);
    expect(workersWhileRunning.some(isAlive)).toBe(false);
    expect(childPids()).toEqual([]);
  });

  it("delivers each task's progress over IPC, in order and before its result", async () => {
    const tasks = [
      { id: 0, steps: 3, delayMs: 30 },
      { id: 1, steps: 5, delayMs: 5 },
      { id: 2, steps: 1 },
      { id: 3, steps: 4, delayMs: 10 },
    ];
    const events: string[] = [];
    const pids = new Map<number, Set<number>>();
    const results = await runInWorkers<
      (typeof tasks)[number],
      { id: number; pid: number },
      { id: number; step: number; pid: number }
    >(tasks, {
      module: fixture('progress-task.mjs'),
      workers: 2,
      env: CPU,
      onProgress: (progress, index) => {
        expect(progress.id).toBe(index);
        events.push(`${index}:${progress.step}`);
        pids.set(index, (pids.get(index) ?? new Set()).add(progress.pid));
      },
      onResult: (result, index) => events.push(`${index}:done`),
    });
    for (const task of tasks) {
      // Every step of a task, in order, then its result.
      const own = events.filter((e) => e.startsWith(`${task.id}:`));
      const steps = Array.from({ length: task.steps }, (_, i) => `${task.id}:${i + 1}`);
      expect(own).toEqual([...steps, `${task.id}:done`]);
      // Sent by the worker that ran the task, not by this process.
      expect([...(pids.get(task.id) ?? [])]).toEqual([results[task.id]?.pid]);
      expect(results[task.id]?.pid).not.toBe(process.pid);
    }
    expect(events).toHaveLength(13 + 4);
  });

  it('rejects with the error of an onProgress callback that throws, and stops the workers', async () => {
    const attempt = runInWorkers([{ id: 0, steps: 2, delayMs: 60_000 }], {
      module: fixture('progress-task.mjs'),
      workers: 1,
      env: CPU,
      onProgress: () => {
        throw new Error('display broke');
      },
    });
    await expect(attempt).rejects.toThrow('display broke');
    expect(childPids()).toEqual([]);
  });

  it('rejects with the error of an onResult callback that throws, and stops the workers', async () => {
    const pids: number[] = [];
    await expect(
      runInWorkers<{ id: number }, Echo>([{ id: 0 }, { id: 1 }, { id: 2 }], {
        module: fixture('echo-task.mjs'),
        workers: 1,
        env: CPU,
        onResult: (result) => {
          pids.push(result.pid);
          throw new Error('consumer failed');
        },
      }),
    ).rejects.toThrow('consumer failed');
    expect(pids).toHaveLength(1);
    expect(isAlive(pids[0]!)).toBe(false);
    expect(childPids()).toEqual([]);
  });

  it('reports a worker that dies, and a module without a default export', async () => {
    await expect(
      runInWorkers([{ id: 0, exitCode: 3 }], { module: fixture('echo-task.mjs'), env: CPU }),
    ).rejects.toThrow(/^runInWorkers: worker \d+ exited \(code 3\) while running task 0$/);
    await expect(
      runInWorkers([{ id: 0 }], { module: fixture('no-default-task.mjs'), env: CPU }),
    ).rejects.toThrow(
      /^runInWorkers: worker \d+ could not start: .*no-default-task\.mjs must have a default export/,
    );
  });

  it('validates its arguments', async () => {
    const module = fixture('echo-task.mjs');
    await expect(runInWorkers([1], { module: './missing-task.mjs' })).rejects.toThrow(
      new InvalidArgumentError({
        fn: 'runInWorkers',
        argument: 'opts.module',
        expected: 'an existing module file (a path or a file: URL)',
        given: './missing-task.mjs',
      }).message,
    );
    await expect(runInWorkers([1], { module, workers: 0 })).rejects.toThrow(
      'runInWorkers: opts.workers must be',
    );
    await expect(
      runInWorkers([1], { module, env: { UQJS_BACKEND: 1 as unknown as string } }),
    ).rejects.toThrow('runInWorkers: opts.env must be an object of string values');
    await expect(runInWorkers('abc' as unknown as number[], { module })).rejects.toThrow(
      'runInWorkers: tasks must be an array, got "abc"',
    );
    // null, arrays and tensors are no options object (arrays and tensors passed the old check).
    const flat = tensor1d([1]);
    for (const bad of [null, [{ module }], flat]) {
      await expect(runInWorkers([1], bad as never)).rejects.toThrow(
        /^runInWorkers: opts must be an object with a module, got /,
      );
    }
    flat.dispose();
    // Left out, the options read as {} and the error names the missing module.
    await expect(runInWorkers([1], undefined as unknown as { module: string })).rejects.toThrow(
      'runInWorkers: opts.module must be an existing module file (a path or a file: URL), got undefined',
    );
    await expect(
      runInWorkers([1], { module, logBackend: 'no' as unknown as boolean }),
    ).rejects.toThrow('runInWorkers: opts.logBackend must be');
    await expect(
      runInWorkers([1], { module, onProgress: 'log' as unknown as () => void }),
    ).rejects.toThrow(
      'runInWorkers: opts.onProgress must be a function (value, index) => void, got "log"',
    );
    expect(await runInWorkers([], { module })).toEqual([]);
  });

  it("prints each worker's backend line unless logBackend is false", () => {
    // The workers inherit the parent's stderr, so the parent runs in a process of its own.
    const stderrOf = (logBackend: boolean) =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { runInWorkers } = await import(${JSON.stringify(dist)});
           await runInWorkers([{ id: 1 }, { id: 2 }], {
             module: ${JSON.stringify(fixture('echo-task.mjs').href)},
             workers: 2, env: { UQJS_BACKEND: 'cpu' }, logBackend: ${logBackend},
           });`,
        ],
        { encoding: 'utf8' },
      ).stderr;
    const lines = (text: string) => text.split('\n').filter((l) => l.includes('[uqjs] backend:'));
    expect(lines(stderrOf(true))).toHaveLength(2);
    expect(lines(stderrOf(true))[0]).toMatch(/\[uqjs\] backend: cpu .*\[worker \d+\]$/);
    expect(lines(stderrOf(false))).toEqual([]);
  });
});
