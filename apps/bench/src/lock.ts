import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@uqjs/core';

/**
 * The lock file of an output directory: it exists while a process writes there.
 *
 * @since 0.1.0
 */
export const LOCK_FILE = '.lock';

/**
 * Who holds a lock, as written to the lock file.
 *
 * @since 0.1.0
 */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** ISO time the lock was taken. */
  readonly since: string;
  readonly command: string;
}

/**
 * A held lock.
 *
 * @since 0.1.0
 */
export interface DirectoryLock {
  /** Removes the lock file (when it is still this process's); safe to call twice. */
  readonly release: () => void;
}

/** A lock file that cannot be read is taken as being written for this long, ms. */
const UNREADABLE_GRACE_MS = 10_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function parseOwner(text: string | null): LockOwner | null {
  if (text === null) return null;
  try {
    const owner = JSON.parse(text) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

/**
 * Why the lock at `path` is stale (its process is gone), or `null` when it may be held.
 * Only a lock taken on this host can be checked; one from another host is taken as held.
 */
function staleReason(path: string, owner: LockOwner | null): string | null {
  if (owner === null) {
    let age = 0;
    try {
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      return 'it is gone';
    }
    return age > UNREADABLE_GRACE_MS ? 'it cannot be read' : null;
  }
  if (owner.host !== hostname()) return null;
  if (owner.pid !== process.pid && !isAlive(owner.pid)) {
    return `process ${owner.pid} on ${owner.host} is not running`;
  }
  return null;
}

/**
 * Takes the exclusive lock of the output directory `dir` (which must exist): creates
 * `<dir>/.lock` holding this process's pid, host, start time and command, failing if it exists.
 * A lock left by a process of this host that is no longer running is stale: it is replaced,
 * and `warn` says so. Any other lock (a live process, or another host) is refused.
 *
 * @throws {InvalidArgumentError} when another process holds the lock (the message says which
 *   and how to remove a lock that is known to be stale).
 *
 * @since 0.1.0
 */
export function lockDirectory(
  dir: string,
  command: string,
  warn: (message: string) => void,
): DirectoryLock {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command,
  };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const seen = readText(path);
      const owner = parseOwner(seen);
      const stale = staleReason(path, owner);
      if (stale === null) {
        const who =
          owner === null
            ? 'a process that is writing it now'
            : `process ${owner.pid} on ${owner.host} since ${owner.since} (${owner.command})`;
        throw new InvalidArgumentError({
          fn: 'uqjs-bench',
          argument: '--out',
          expected:
            `a directory no other uqjs-bench process is writing; ${path} says it is held by ${who}. ` +
            `Wait for that run to end (or resume it later with --resume); if it is known to be gone, delete ${path}`,
          given: dir,
        });
      }
      // Remove it only if it is still the lock judged stale (not one another process just took).
      if (readText(path) === seen) {
        warn(`uqjs-bench: replacing the stale lock ${path} (${stale})\n`);
        try {
          unlinkSync(path);
        } catch (unlinkError) {
          if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
        }
      }
      continue;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        try {
          // Only our own lock: never remove one another process took after ours was replaced.
          if (readFileSync(path, 'utf8') === text) unlinkSync(path);
        } catch {
          // already gone
        }
      },
    };
  }
  throw new InvalidArgumentError({
    fn: 'uqjs-bench',
    argument: '--out',
    expected: `a directory whose lock ${path} can be taken (other processes keep replacing it)`,
    given: dir,
  });
}
