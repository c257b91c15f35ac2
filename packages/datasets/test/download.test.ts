import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@uqjs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { downloadFile, joinUrl } from '../src/download.js';
import { dataDir } from '../src/index.js';
import { digest, serveFiles, tempDir } from './helpers/env.js';

const body = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251);

describe('downloadFile (against a loopback server)', () => {
  let server: Awaited<ReturnType<typeof serveFiles>>;
  let folder: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    server = await serveFiles({ 'data.bin': body, 'cut.bin': body }, ['cut.bin']);
  });
  afterAll(() => server.close());
  afterEach(() => folder.remove());

  const fetchTo = async (name: string, sum: string, algorithm: 'md5' | 'sha256' = 'sha256') => {
    folder = await tempDir();
    const dest = join(folder.dir, 'sub', 'out.bin');
    const error = await downloadFile(
      `${server.url}${name}`,
      dest,
      { algorithm, digest: sum },
      'f',
    ).catch((e: unknown) => e);
    return { dest, error };
  };

  it('keeps the file when its checksum matches (sha256 and md5)', async () => {
    for (const algorithm of ['sha256', 'md5'] as const) {
      const { dest, error } = await fetchTo(
        'data.bin',
        digest(algorithm, body).toUpperCase(),
        algorithm,
      );
      expect(error).toBeUndefined();
      expect(Buffer.compare(await readFile(dest), body)).toBe(0);
      await folder.remove();
    }
    folder = await tempDir();
  });

  it('removes the file and reports both digests when the checksum differs', async () => {
    const wrong = '0'.repeat(64);
    const { error } = await fetchTo('data.bin', wrong);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      `f: ${server.url}data.bin failed its SHA256 check: expected ${wrong}, got ${digest('sha256', body)}. ` +
        'The file was not kept; the transfer was cut short or the server sent other bytes.',
    );
    expect(await readdir(join(folder.dir, 'sub'))).toEqual([]);
  });

  it('reports HTTP errors', async () => {
    const { error } = await fetchTo('nothing.bin', '0');
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      `f: could not download ${server.url}nothing.bin: HTTP 404 Not Found`,
    );
  });

  it('reports a transfer that breaks off, keeping nothing', async () => {
    const { error } = await fetchTo('cut.bin', digest('sha256', body));
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain(`f: download of ${server.url}cut.bin broke off`);
    expect(await readdir(join(folder.dir, 'sub'))).toEqual([]);
  });

  it('reports an unreachable server', async () => {
    const closed = await serveFiles({});
    await closed.close();
    folder = await tempDir();
    const error = await downloadFile(
      `${closed.url}x`,
      join(folder.dir, 'x'),
      { algorithm: 'md5', digest: '0' },
      'f',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain(
      `f: could not download ${closed.url}x: fetch failed`,
    );
  });

  it('joins URLs with exactly one slash', () => {
    expect(joinUrl('http://a/b/', 'c.gz')).toBe('http://a/b/c.gz');
    expect(joinUrl('http://a/b', 'c.gz')).toBe('http://a/b/c.gz');
  });
});

describe('dataDir', () => {
  const saved = {
    UQJS_DATA_DIR: process.env.UQJS_DATA_DIR,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
  };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('prefers UQJS_DATA_DIR, else the user cache folder', () => {
    process.env.UQJS_DATA_DIR = '/data/uqjs';
    expect(dataDir()).toBe('/data/uqjs');
    delete process.env.UQJS_DATA_DIR;
    if (process.platform === 'linux') {
      process.env.XDG_CACHE_HOME = '/xdg';
      expect(dataDir()).toBe('/xdg/uqjs');
      delete process.env.XDG_CACHE_HOME;
      expect(dataDir()).toBe(join(homedir(), '.cache', 'uqjs'));
    }
  });
});
