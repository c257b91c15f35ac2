import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@uqjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDirectory } from '../src/lock.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'uqjs-bench-lock-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited (so no process has it, until the pid is reused). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('lockDirectory', () => {
  it('writes pid, host and command to <dir>/.lock and removes it on release', () => {
    const dir = tempDir();
    const lock = lockDirectory(dir, 'uqjs-bench mnist', () => {});
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(owner).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 'uqjs-bench mnist',
    });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lock.release(); // twice is harmless
  });

  it('refuses a second writer while the first holds the lock, saying who holds it', () => {
    const dir = tempDir();
    const first = lockDirectory(dir, 'first', () => {});
    expect(() => lockDirectory(dir, 'second', () => {})).toThrow(InvalidArgumentError);
    expect(() => lockDirectory(dir, 'second', () => {})).toThrow(
      `held by process ${process.pid} on ${hostname()}`,
    );
    first.release();
    lockDirectory(dir, 'second', () => {}).release();
  });

  it('replaces the lock of a process of this host that is gone, with a warning', () => {
    const dir = tempDir();
    const pid = deadPid();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), since: '2025-01-01T00:00:00Z', command: 'killed' }),
    );
    const warnings: string[] = [];
    const lock = lockDirectory(dir, 'next', (m) => warnings.push(m));
    expect(warnings.join('')).toContain(`stale lock ${join(dir, LOCK_FILE)} (process ${pid}`);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('refuses a lock from another host (its process cannot be checked)', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: deadPid(), host: `not-${hostname()}`, since: 'x', command: 'y' }),
    );
    expect(() => lockDirectory(dir, 'next', () => {})).toThrow(`on not-${hostname()}`);
  });

  it('takes an unreadable lock as being written, until it is old', () => {
    const dir = tempDir();
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, '{"pid":');
    expect(() => lockDirectory(dir, 'next', () => {})).toThrow('a process that is writing it now');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const warnings: string[] = [];
    lockDirectory(dir, 'next', (m) => warnings.push(m)).release();
    expect(warnings.join('')).toContain('it cannot be read');
  });

  it('does not remove a lock another process took after this one was replaced', () => {
    const dir = tempDir();
    const lock = lockDirectory(dir, 'first', () => {});
    const other = JSON.stringify({ pid: 1, host: 'elsewhere', since: 'x', command: 'other' });
    writeFileSync(join(dir, LOCK_FILE), other);
    lock.release();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(other);
  });
});
