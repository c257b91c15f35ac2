import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';

const script = new URL('../release-check.mjs', import.meta.url).pathname;
const root = new URL('../../..', import.meta.url).pathname;

/** True while a process with this id exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the `registry on ...` line's registry pid and temporary folder. */
function registryUp(child: ChildProcess): Promise<{ pid: number; work: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr!.on('data', (chunk) => {
      output += chunk;
    });
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/registry on \S+ \(pid (\d+), storage in (\S+)\)/);
      if (match) resolve({ pid: Number(match[1]), work: match[2]! });
    });
    child.once('exit', (code) =>
      reject(new Error(`release check exited (${code}) before the registry was up:\n${output}`)),
    );
  });
}

describe('release-check.mjs on a signal', () => {
  // One registry start per signal, the three at once: about 5 s on an idle machine, up to
  // ~50 s when the two cores are shared with a full build. `--only @uqjs/core` needs core's
  // dist.
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it.concurrent(`stops the registry and removes its folder (with the auth token) on ${signal}`, async () => {
      const child = spawn(process.execPath, [script, '--only', '@uqjs/core'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const { pid, work } = await registryUp(child);
      expect(alive(pid)).toBe(true);
      expect(existsSync(work)).toBe(true);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill(signal);
      expect(await exited).toBe(128 + constants.signals[signal]);
      expect(existsSync(work)).toBe(false);
      expect(alive(pid)).toBe(false);
    }, 90_000);
  }
});
