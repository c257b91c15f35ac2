import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DataError } from '@uqjs/core';
import { nodeModules } from './node-modules.js';

/** An expected digest of a file, lower-case hex. */
export interface Checksum {
  readonly algorithm: 'sha256' | 'md5';
  readonly digest: string;
}

/**
 * Downloads `url` to `dest`, hashing the bytes as they stream in. The file appears at `dest`
 * only when the whole body arrived and its digest matches; otherwise the partial file is
 * removed and a `DataError` says what went wrong (HTTP status, network error, or expected vs
 * actual digest).
 */
export async function downloadFile(
  url: string,
  dest: string,
  checksum: Checksum,
  fn: string,
): Promise<void> {
  const { crypto, fs, fsPromises, path, stream, streamPromises } = await nodeModules(fn);
  const { mkdir, rename, rm } = fsPromises;
  await mkdir(path.dirname(dest), { recursive: true });
  const partial = `${dest}.${process.pid}.${Date.now()}.part`;
  try {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new DataError(`${fn}: could not download ${url}: ${describeCause(error)}`);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new DataError(
        `${fn}: could not download ${url}: HTTP ${response.status} ${response.statusText}`,
      );
    }
    const hash = crypto.createHash(checksum.algorithm);
    const body = stream.Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    try {
      await streamPromises.pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            yield chunk;
          }
        },
        fs.createWriteStream(partial),
      );
    } catch (error) {
      throw new DataError(`${fn}: download of ${url} broke off: ${describeCause(error)}`);
    }
    const actual = hash.digest('hex');
    if (actual !== checksum.digest.toLowerCase()) {
      throw new DataError(
        `${fn}: ${url} failed its ${checksum.algorithm.toUpperCase()} check: expected ` +
          `${checksum.digest}, got ${actual}. The file was not kept; the transfer was cut short ` +
          'or the server sent other bytes.',
      );
    }
    await rename(partial, dest);
  } finally {
    await rm(partial, { force: true });
  }
}

/** `base` + `name`, with exactly one `/` between them. */
export function joinUrl(base: string, name: string): string {
  return `${base.replace(/\/+$/, '')}/${name}`;
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
