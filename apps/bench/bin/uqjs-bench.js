#!/usr/bin/env node
// The `uqjs-bench` executable as npm links it. It is committed (and tiny) because npm links a
// bin only when its target exists at install time: pointing the bin at `dist/cli.js` left a
// fresh clone after `npm ci` without `uqjs-bench`, and `npx uqjs-bench` then asked the registry
// for a package of that name. It runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(fileURLToPath(cli))) {
  await import(cli.href);
} else {
  process.stderr.write(
    `uqjs-bench: the CLI is not built (${fileURLToPath(cli)} is missing). ` +
      'Build it first: npx nx run bench:build\n',
  );
  process.exitCode = 1;
}
