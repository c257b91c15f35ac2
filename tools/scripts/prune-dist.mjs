// Run after `tsc` in a package (its `build` script): removes files in dist/ that no source in
// src/ produces any more (a renamed or deleted module), so they and their source maps do not
// ship. Unlike emptying dist/ first, dist/ stays complete while tsc runs, for the packages
// that import it meanwhile.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const OUTPUT = /^(.*?)(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const dist = join(process.cwd(), 'dist');
const src = join(process.cwd(), 'src');
if (existsSync(dist)) {
  for (const file of files(dist)) {
    const match = relative(dist, file).match(OUTPUT);
    if (!match) continue;
    const base = join(src, match[1]);
    if (!['.ts', '.tsx', '.mts', '.js', '.mjs'].some((ext) => existsSync(base + ext))) {
      rmSync(file);
      console.log(`prune-dist: removed ${relative(process.cwd(), file)} (no source)`);
    }
  }
}
