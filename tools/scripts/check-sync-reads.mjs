// Fails on a synchronous tensor read (`dataSync()`, `arraySync()`, `bufferSync()`) in the source
// of a package or app that sync-reads-allow.json does not list with a reason. tfjs-backend-webgpu
// cannot read a tensor on the GPU synchronously in Node (it throws), so library paths read with
// `await t.data()`, compute on the device, or (a synchronous API by contract) read only where the
// backend is not webgpu, listed in the allow-list with why (issue 24, docs/webgpu.md).
//
// Each allowed read also keeps a `// sync read: <reason>` comment on its line or the 15 before it
// (a guard lost in an edit usually loses its comment too).
// Allow-list entries: { "file": path from the repo root, "code": a substring of the line,
// "reason": why, "count": lines matched (default 1) }. More matching lines than `count` fail (a
// new read beside an allowed one); fewer print a warning to update the list.
// Usage: node tools/scripts/check-sync-reads.mjs [--list]   (--list: print every read found)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root as repoRoot } from './workspace.mjs';

// --root DIR: check another tree (the script's tests use a scratch one).
const rootFlag = process.argv.indexOf('--root');
const root = rootFlag >= 0 ? process.argv[rootFlag + 1] : repoRoot;

const PATTERN = /\.(dataSync|arraySync|bufferSync)\s*\(/;
const EXTENSIONS = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const allowFile = join(root, 'tools', 'scripts', 'sync-reads-allow.json');

/** Every source file under packages/<p>/src and apps/<a>/src. */
function sourceFiles() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (EXTENSIONS.test(name)) files.push(path);
    }
  };
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const src = join(root, group, name, 'src');
      try {
        if (statSync(src).isDirectory()) walk(src);
      } catch {
        // no src folder
      }
    }
  }
  return files.sort();
}

/**
 * `{ file, line, code, marked }` for each line with a sync read that is code, not a comment;
 * `marked`: a `sync read:` comment on it or on one of the 15 lines before it.
 */
function findReads() {
  const reads = [];
  for (const path of sourceFiles()) {
    const file = relative(root, path).split('\\').join('/');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((text, i) => {
      const code = text.trim();
      if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
      if (!PATTERN.test(code)) return;
      const marked = lines.slice(Math.max(0, i - 15), i + 1).some((l) => l.includes('sync read:'));
      reads.push({ file, line: i + 1, code, marked });
    });
  }
  return reads;
}

const allow = JSON.parse(readFileSync(allowFile, 'utf8'));
const problems = [];
for (const [i, entry] of allow.entries()) {
  if (typeof entry.file !== 'string' || typeof entry.code !== 'string' || !entry.reason?.trim()) {
    problems.push(`allow-list entry ${i}: needs "file", "code" and a non-empty "reason"`);
  }
}
const reads = findReads();
if (process.argv.includes('--list')) {
  for (const r of reads) console.log(`${r.file}:${r.line}: ${r.code}`);
}
const used = new Map();
for (const read of reads) {
  const entry = allow.find((e) => e.file === read.file && read.code.includes(e.code));
  if (entry === undefined) {
    problems.push(
      `${read.file}:${read.line}: synchronous tensor read \`${read.code}\`: read with \`await t.data()\`, ` +
        'compute on the device, or (a synchronous API) skip the read on webgpu and list it with a reason in ' +
        'tools/scripts/sync-reads-allow.json',
    );
  } else {
    used.set(entry, (used.get(entry) ?? 0) + 1);
    if (!read.marked) {
      problems.push(
        `${read.file}:${read.line}: the allowed read \`${read.code}\` lost its \`// sync read: <reason>\` comment ` +
          '(on the line or the 15 before it): was its webgpu guard lost too?',
      );
    }
  }
}
for (const entry of allow) {
  const count = used.get(entry) ?? 0;
  const expected = entry.count ?? 1;
  const message = `sync-reads-allow.json: ${entry.file} \`${entry.code}\` matches ${count} line(s), expected ${expected}`;
  if (count > expected) problems.push(`${message}: a new synchronous read`);
  else if (count < expected) console.warn(`warning: ${message}; remove or update the entry`);
}
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-sync-reads: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(
  `check-sync-reads: ${reads.length} synchronous reads, all in the allow-list (${allow.length} entries)`,
);
