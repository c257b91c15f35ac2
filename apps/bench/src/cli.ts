#!/usr/bin/env node
// The `uqjs-bench` executable: runs `main` on the command line and exits with its code.
import { main } from './main.js';
import type { BenchIo } from './run-grid.js';

const io: BenchIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
};
process.exitCode = await main(process.argv.slice(2), io);
