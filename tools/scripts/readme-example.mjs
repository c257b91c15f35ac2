// What a package README promises a new user, read the way the release check reads it:
//
//   ## Install
//   ```sh
//   npm install @uqjs/x @tensorflow/tfjs-core ... <backend>
//   ```
//   ```ts              <- the example (the first ts block of the README)
//   ...
//   ```
//   It prints:
//   ```text            <- the output the example prints (the first text block after it)
//   ...
//   ```
//
// The release check installs exactly the install line in a fresh project, runs the example
// and compares what it printed with the stated output (`sameOutput`: text equal up to
// whitespace, numbers within float noise or the last printed digit).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './workspace.mjs';

/** @param {string} dir a package folder */
export function readReadme(dir) {
  return readFileSync(join(dir, 'README.md'), 'utf8');
}

/** The README's `## Install` line: the packages of its `npm install` command. */
export function installLine(readme, where = 'README.md') {
  const section = readme.match(/^## Install\n([\s\S]*?)(?=^## |(?![\s\S]))/m);
  if (!section) throw new Error(`${where} has no "## Install" section`);
  const command = section[1].match(/```(?:sh|bash|shell)\n\s*npm install ([^\n]+)\n[\s\S]*?```/);
  if (!command) throw new Error(`${where}: its Install section has no \`npm install ...\` line`);
  return command[1].trim().split(/\s+/);
}

/** The first ```ts block: the example users copy, and the ```text block after it. */
export function example(readme, where = 'README.md') {
  const match = readme.match(/```(?:ts|typescript)\n([\s\S]*?)```/);
  if (!match) throw new Error(`${where} has no \`\`\`ts example`);
  const after = readme.slice(match.index + match[0].length);
  // The next fenced block, with only prose before it, must be the ```text one.
  const output = after.match(/^(?:(?!```)[\s\S])*?```text\n([\s\S]*?)```/);
  if (!output)
    throw new Error(`${where}: no \`\`\`text block with the printed output after the example`);
  return { code: match[1], output: output[1] };
}

/** Package names (not subpaths) of the bare specifiers the code imports. */
export function importedPackages(code) {
  const names = new Set();
  for (const [, specifier] of code.matchAll(/(?:import|from)\s+['"]([^'".][^'"]*)['"]/g)) {
    if (specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return [...names];
}

/** A package name from an install argument (`@uqjs/x@1.2.3` -> `@uqjs/x`). */
export function packageName(argument) {
  const at = argument.indexOf('@', 1);
  return at > 0 ? argument.slice(0, at) : argument;
}

/** Problems with one README: missing sections, an install line that misses an import. */
export function readmeProblems(dir) {
  const where = `${relative(root, dir)}/README.md`;
  const readme = readReadme(dir);
  const problems = [];
  const attempt = (fn) => {
    try {
      return fn();
    } catch (error) {
      problems.push(error.message);
      return undefined;
    }
  };
  if (!/^## Changelog$/m.test(readme)) problems.push(`${where} has no "## Changelog" section`);
  const installed = attempt(() => installLine(readme, where))?.map(packageName);
  const shown = attempt(() => example(readme, where));
  if (installed && shown) {
    const missing = importedPackages(shown.code).filter((name) => !installed.includes(name));
    if (missing.length > 0)
      problems.push(
        `${where}: the example imports ${missing.join(', ')}, the install line lacks it`,
      );
  }
  return problems;
}

const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi;

/** Splits text into its numbers and the text between them, whitespace removed. */
function tokens(text) {
  const numbers = [];
  const words = text.replace(NUMBER, (n) => {
    numbers.push(n);
    return '#';
  });
  return { numbers, words: words.replace(/\s+/g, '') };
}

/** Decimals a printed number shows (`2.41` -> 2, `1e-6` -> 0). */
function decimals(printed) {
  const fraction = printed.toLowerCase().split('e')[0].split('.')[1];
  return fraction === undefined ? 0 : fraction.length;
}

/**
 * Whether `actual` output matches the `expected` output a README states: the same text up to
 * whitespace, integers (shapes, counts) exact, and each other number within float noise
 * (relative 1e-6) or within one unit of the expected number's last printed digit (`2.41`
 * accepts 2.40 to 2.42), whichever is wider. Returns `null` when they match, else what differs.
 */
export function outputDifference(actual, expected) {
  const a = tokens(actual);
  const e = tokens(expected);
  if (a.words !== e.words || a.numbers.length !== e.numbers.length)
    return `the text differs:\n--- printed\n${actual.trim()}\n--- README\n${expected.trim()}`;
  for (let i = 0; i < e.numbers.length; i++) {
    const got = Number(a.numbers[i]);
    const want = Number(e.numbers[i]);
    const printed = e.numbers[i];
    // Integers (shapes, counts) are exact; decimals may move by one unit in the last digit.
    const digit = /[.e]/i.test(printed) ? 10 ** -decimals(printed) : 0;
    const tolerance = Math.max(1e-6 * Math.abs(want), digit);
    if (!(Math.abs(got - want) <= tolerance * (1 + 1e-9) + 1e-12))
      return `number ${i + 1}: printed ${a.numbers[i]}, the README says ${e.numbers[i]} (tolerance ${tolerance})`;
  }
  return null;
}
