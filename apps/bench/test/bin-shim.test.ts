// The committed bin shim (bin/uqjs-bench.js) that npm links as `uqjs-bench`: it runs the built
// CLI with the command line unchanged, and without a build says how to make one.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SHIM = fileURLToPath(new URL('../bin/uqjs-bench.js', import.meta.url));
const PKG = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
};

/** A package folder with the shim in bin/ and, when `cli` is given, that text as dist/cli.js. */
function copyOfShim(cli?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'uqjs-bench-shim-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(dir, 'bin'));
  copyFileSync(SHIM, join(dir, 'bin', 'uqjs-bench.js'));
  if (cli !== undefined) {
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'cli.js'), cli);
  }
  return join(dir, 'bin', 'uqjs-bench.js');
}

function node(script: string, args: readonly string[]) {
  return spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
}

describe('bin/uqjs-bench.js', () => {
  it('is the bin npm links, executable and published', () => {
    expect(PKG.bin).toEqual({ 'uqjs-bench': 'bin/uqjs-bench.js' });
    expect(PKG.files).toContain('bin');
    expect(statSync(SHIM).mode & 0o111).not.toBe(0);
    expect(readFileSync(SHIM, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('without dist/ says to build first and exits with 1', () => {
    const result = node(copyOfShim(), ['mnist', '--quick']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('the CLI is not built');
    expect(result.stderr).toContain(join('dist', 'cli.js'));
    expect(result.stderr).toContain('npx nx run bench:build');
  });

  it('runs dist/cli.js with the command line and its exit code', () => {
    const cli =
      'process.stdout.write(JSON.stringify(process.argv.slice(2))); process.exitCode = 3;\n';
    const result = node(copyOfShim(cli), ['moons', '--seeds', '2', 'a b']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(['moons', '--seeds', '2', 'a b']);
    expect(result.status).toBe(3);
  });

  it('runs the built CLI of this package', () => {
    const result = node(SHIM, ['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`uqjs-bench ${PKG.version}\n`);
  });
});
