// Reproduces a standalone report from committed runs, without writing into the repository:
// used by evidence.test.ts on apps/bench/results/evidence/mnist and docs/results.md.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** The repository root (this file is apps/bench/test/evidence.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What `uqjs-bench report` made of a copy of the runs, next to what is committed. */
export interface Reproduction {
  /** The committed document. */
  readonly expected: string;
  /** The document `report --to` wrote from the copy. */
  readonly actual: string;
  /** Files of the runs folder (summary, report, plots) that `report` rewrote differently. */
  readonly changedFiles: readonly string[];
  readonly stderr: string;
}

/**
 * Copies `root/evidence` into a temporary folder at the same place relative to `root/doc`,
 * runs the built `uqjs-bench report <copy> --to <copy of doc>` there, and returns the
 * document it wrote and the committed one (the document's paths are relative to itself, so
 * the two are comparable byte for byte).
 *
 * @throws {Error} when the runs folder or the document is missing, or `report` fails.
 */
export function reproduceReport(root: string, evidence: string, doc: string): Reproduction {
  const runsDir = join(root, evidence);
  const docFile = join(root, doc);
  for (const [what, path] of [
    ['runs folder', join(runsDir, 'runs.jsonl')],
    ['config', join(runsDir, 'config.json')],
    ['document', docFile],
  ] as const) {
    if (!existsSync(path)) {
      throw new Error(
        `the committed evidence is incomplete: the ${what} ${path} is missing. ` +
          'Train and report it with `npx nx run bench:results` and commit apps/bench/results/evidence and docs/results.md.',
      );
    }
  }
  const scratch = mkdtempSync(join(tmpdir(), 'uqjs-bench-evidence-'));
  try {
    const copy = join(scratch, evidence);
    cpSync(runsDir, copy, { recursive: true });
    const docCopy = join(scratch, doc);
    const run = spawnSync(process.execPath, [CLI, 'report', copy, '--to', docCopy], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (run.status !== 0) {
      throw new Error(`uqjs-bench report exited with ${run.status}: ${run.stderr}`);
    }
    const changedFiles = readdirSync(copy)
      .filter((file) => existsSync(join(runsDir, file)))
      .filter((file) => !readFileSync(join(copy, file)).equals(readFileSync(join(runsDir, file))));
    return {
      expected: readFileSync(docFile, 'utf8'),
      actual: readFileSync(docCopy, 'utf8'),
      changedFiles,
      stderr: run.stderr,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
