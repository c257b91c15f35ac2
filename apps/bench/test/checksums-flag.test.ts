import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@uqjs/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../src/args.js';

const dir = mkdtempSync(join(tmpdir(), 'uqjs-bench-checksums-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const MD5 = '0123456789abcdef0123456789abcdef';
const SHA256 = `${MD5}${MD5}`;

describe('--checksums FILE', () => {
  it('reads digests by file name for the loaders', () => {
    const path = file('ok.json', JSON.stringify({ 'train_32x32.mat': MD5, 'x.gz': SHA256 }));
    const parsed = parseBenchArgs(['svhn', '--data-dir', dir, '--checksums', path]);
    expect(parsed.kind === 'run' && parsed.config.execution.checksums).toEqual({
      'train_32x32.mat': MD5,
      'x.gz': SHA256,
    });
    const plain = parseBenchArgs(['svhn']);
    expect(plain.kind === 'run' && plain.config.execution.checksums).toBeNull();
  });

  it.each([
    ['a missing file', join(dir, 'none.json'), /--checksums must be a readable JSON file/],
    ['not JSON', file('bad.json', '{'), /--checksums must be a readable JSON file/],
    ['an array', file('array.json', '[]'), /--checksums must be a JSON object/],
    ['an empty object', file('empty.json', '{}'), /--checksums must be a JSON object/],
    [
      'a digest that is not hex',
      file('digest.json', JSON.stringify({ 'test_32x32.mat': 'abc' })),
      /--checksums must be a hex MD5 \(32 digits\) or SHA-256 \(64\) for test_32x32\.mat, got "abc"/,
    ],
  ])('refuses %s, naming the flag', (_, path, message) => {
    expect(() => parseBenchArgs(['cifar10', '--checksums', path])).toThrow(InvalidArgumentError);
    expect(() => parseBenchArgs(['cifar10', '--checksums', path])).toThrow(message);
  });

  it('is an error with moons (generated data)', () => {
    const path = file('moons.json', JSON.stringify({ a: MD5 }));
    expect(() => parseBenchArgs(['moons', '--checksums', path])).toThrow(
      /--checksums must be used with mnist, cifar10 or svhn/,
    );
  });
});
