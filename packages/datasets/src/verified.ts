import { DataError } from '@uqjs/core';
import type { Checksum } from './download.js';
import type { NodeModules } from './node-modules.js';

/**
 * The file in each data folder that remembers which files passed their checksum: per file
 * name its size, modification time and digest. A file whose size and mtime still match is
 * not hashed again, so the check costs one read of each file, once.
 */
export const VERIFIED_FILE = '.uqjs-verified.json';

/** What the sidecar remembers of one file. */
interface Verified {
  readonly size: number;
  readonly mtimeMs: number;
  readonly algorithm: Checksum['algorithm'];
  readonly digest: string;
}

/** One file for {@link verifyFiles}. */
export interface FileCheck {
  readonly file: string;
  /**
   * The digest the file must have. Left out where none is published (the CIFAR-10 batches):
   * then the digest the sidecar recorded when the file was extracted from a checked archive
   * is used, and a file without a record is not checked.
   */
  readonly checksum?: Checksum;
  /** Just downloaded with this checksum verified on the way in: record it, do not hash again. */
  readonly fresh?: boolean;
  /** Just extracted from a checked archive: hash it (SHA-256) and record that as its digest. */
  readonly learn?: boolean;
}

/**
 * Checks files already on disk against their checksums, once: a file is hashed unless the
 * sidecar ({@link VERIFIED_FILE}) of its folder holds a record with the same size, mtime and
 * expected digest. A mismatch is a `DataError` naming the file, the expected and the actual
 * digest. Records are written after the checks (if the folder is read-only, the files are
 * still checked, just again next time).
 */
export async function verifyFiles(
  node: NodeModules,
  checks: readonly FileCheck[],
  fn: string,
): Promise<void> {
  const { path } = node;
  const byFolder = new Map<string, FileCheck[]>();
  for (const check of checks) {
    const folder = path.dirname(check.file);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), check]);
  }
  for (const [folder, folderChecks] of byFolder) {
    const sidecar = path.join(folder, VERIFIED_FILE);
    const records = await readRecords(node, sidecar);
    let changed = false;
    // One file at a time: the SVHN extra file alone is 1.3 GB.
    for (const check of folderChecks) {
      const name = path.basename(check.file);
      const stats = await node.fsPromises.stat(check.file);
      const known = records[name];
      if (check.learn) {
        const digest = await hashFile(node, check.file, 'sha256');
        records[name] = record(stats, 'sha256', digest);
        changed = true;
        continue;
      }
      const expected = check.checksum ?? known;
      if (expected === undefined) continue;
      const want = expected.digest.toLowerCase();
      if (
        known !== undefined &&
        known.size === stats.size &&
        known.mtimeMs === stats.mtimeMs &&
        known.algorithm === expected.algorithm &&
        known.digest === want
      ) {
        continue;
      }
      if (!check.fresh) {
        const actual = await hashFile(node, check.file, expected.algorithm);
        if (actual !== want) {
          const source =
            check.checksum === undefined
              ? ', recorded when it was extracted from the checked archive'
              : '';
          throw new DataError(
            `${fn}: ${check.file} failed its ${expected.algorithm.toUpperCase()} check: ` +
              `expected ${want}${source}, got ${actual}. It is not the official file ` +
              '(truncated, corrupt or other bytes): delete it and load again with download: ' +
              'true, or pass checksums for a copy of your own.',
          );
        }
      }
      records[name] = record(stats, expected.algorithm, want);
      changed = true;
    }
    if (changed) await writeRecords(node, sidecar, records);
  }
}

function record(
  stats: { size: number; mtimeMs: number },
  algorithm: Checksum['algorithm'],
  digest: string,
): Verified {
  return { size: stats.size, mtimeMs: stats.mtimeMs, algorithm, digest };
}

/** The sidecar's records; a missing or unreadable sidecar remembers nothing. */
async function readRecords(node: NodeModules, sidecar: string): Promise<Record<string, Verified>> {
  const records: Record<string, Verified> = Object.create(null);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await node.fsPromises.readFile(sidecar, 'utf8'));
  } catch {
    return records;
  }
  const files = (parsed as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null) return records;
  for (const [name, value] of Object.entries(files)) {
    const v = value as Partial<Verified> | null;
    if (
      typeof v?.size === 'number' &&
      typeof v.mtimeMs === 'number' &&
      (v.algorithm === 'sha256' || v.algorithm === 'md5') &&
      typeof v.digest === 'string'
    ) {
      records[name] = {
        size: v.size,
        mtimeMs: v.mtimeMs,
        algorithm: v.algorithm,
        digest: v.digest,
      };
    }
  }
  return records;
}

/** Writes the sidecar under a temporary name and renames it, so a reader never sees half of it. */
async function writeRecords(
  node: NodeModules,
  sidecar: string,
  records: Record<string, Verified>,
): Promise<void> {
  const partial = `${sidecar}.${process.pid}.${Date.now()}.part`;
  try {
    await node.fsPromises.writeFile(
      partial,
      `${JSON.stringify({ version: 1, files: records }, null, 2)}\n`,
    );
    await node.fsPromises.rename(partial, sidecar);
  } catch {
    // A read-only folder: the files were checked; they will be checked again next time.
    await node.fsPromises.rm(partial, { force: true }).catch(() => undefined);
  }
}

/** The lower-case hex digest of a file, read as a stream. */
async function hashFile(
  node: NodeModules,
  file: string,
  algorithm: Checksum['algorithm'],
): Promise<string> {
  const hash = node.crypto.createHash(algorithm);
  for await (const chunk of node.fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
