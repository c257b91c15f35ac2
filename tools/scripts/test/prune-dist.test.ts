import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('prune-dist removes the build outputs of deleted sources and keeps the others', () => {
  const pkg = mkdtempSync(join(tmpdir(), 'uqjs-prune-'));
  try {
    for (const file of [
      'src/kept.ts',
      'src/sub/deep.ts',
      'dist/kept.js',
      'dist/kept.js.map',
      'dist/kept.d.ts',
      'dist/kept.d.ts.map',
      'dist/sub/deep.js',
      'dist/removed.js',
      'dist/removed.d.ts.map',
      'dist/sub/gone.js.map',
      'dist/asset.wasm',
    ]) {
      mkdirSync(join(pkg, file, '..'), { recursive: true });
      writeFileSync(join(pkg, file), '');
    }
    const script = new URL('../prune-dist.mjs', import.meta.url).pathname;
    expect(spawnSync(process.execPath, [script], { cwd: pkg }).status).toBe(0);
    const left = readdirSync(join(pkg, 'dist'), { recursive: true, encoding: 'utf8' });
    expect(left.filter((f) => f.includes('.')).sort()).toEqual([
      'asset.wasm',
      'kept.d.ts',
      'kept.d.ts.map',
      'kept.js',
      'kept.js.map',
      'sub/deep.js',
    ]);
  } finally {
    rmSync(pkg, { recursive: true, force: true });
  }
});
