import { describe, expect, it } from 'vitest';
import {
  example,
  importedPackages,
  installLine,
  outputDifference,
  readmeProblems,
} from '../readme-example.mjs';
import { projects } from '../workspace.mjs';

describe('outputDifference', () => {
  it('accepts the same text up to whitespace and numbers within float noise', () => {
    expect(outputDifference('[ 64, 2 ] [ 5, 64, 2 ]\n', '[64, 2]\n[5, 64, 2]')).toBeNull();
    expect(outputDifference('0.5772156649015329', '0.5772156649015328')).toBeNull();
    expect(outputDifference('1.0000004e-7', '1e-7')).toBeNull();
  });

  it('accepts one unit of the last printed digit of a decimal, not two', () => {
    expect(outputDifference('0.49 0.51', '0.5 0.5')).toBeNull();
    expect(outputDifference('2.42', '2.41')).toBeNull();
    expect(outputDifference('2.43', '2.41')).toMatch(
      /number 1: printed 2.43, the README says 2.41/,
    );
    expect(outputDifference('0.4 0.6', '0.5 0.5')).toBeNull();
    expect(outputDifference('0.38 0.62', '0.5 0.5')).toMatch(/number 1/);
  });

  it('needs integers (shapes, counts) exactly and the same words', () => {
    expect(outputDifference('[ 127, 28 ]', '[128, 28]')).toMatch(/number 1: printed 127/);
    expect(outputDifference('[ 128 ]', '[128, 28]')).toMatch(/the text differs/);
    expect(outputDifference('wasm true', 'cpu true')).toMatch(/the text differs/);
  });
});

describe('README parsing', () => {
  const readme = [
    '# @uqjs/x',
    '## Install',
    '```sh',
    'npm install @uqjs/x @tensorflow/tfjs-core',
    '```',
    '## Example',
    '```ts',
    "import * as tf from '@tensorflow/tfjs-core';",
    "import { f } from '@uqjs/x/node';",
    "import { join } from 'node:path';",
    '```',
    'It prints:',
    '```text',
    '[ 1, 2 ]',
    '```',
    '## Changelog',
  ].join('\n');

  it('reads the install line, the example, its imports and its stated output', () => {
    expect(installLine(readme)).toEqual(['@uqjs/x', '@tensorflow/tfjs-core']);
    const { code, output } = example(readme);
    expect(importedPackages(code)).toEqual(['@tensorflow/tfjs-core', '@uqjs/x']);
    expect(output).toBe('[ 1, 2 ]\n');
  });

  it('fails without an Install section or a stated output', () => {
    expect(() => installLine('# x\n```ts\n```\n')).toThrow('has no "## Install" section');
    expect(() => example('## Install\n```ts\nf();\n```\n## API\n')).toThrow(
      'no ```text block with the printed output',
    );
  });
});

describe('every package README', () => {
  // Install and Changelog sections, an install line naming everything the example imports,
  // and the example's stated output (the release check installs and compares them).
  for (const { dir, manifest } of projects(['packages'])) {
    it(`${manifest.name}: Install, example with its output, Changelog`, () => {
      expect(readmeProblems(dir)).toEqual([]);
    });
  }
});
