#!/usr/bin/env node
// The `uqjs-bench` executable: runs `main` on the command line and exits with its code.
import { createInterface } from 'node:readline/promises';
import { main } from './main.js';
import type { BenchIo } from './run-grid.js';

/** Asks on the terminal; only when both stdin and stderr are one (never in a pipe or a job). */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^\s*y(es)?\s*$/i.test(await rl.question(question));
  } finally {
    rl.close();
  }
}

const io: BenchIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  ...(process.stderr.isTTY === true ? { errStream: process.stderr } : {}),
  ...(process.stdout.isTTY === true ? { outColumns: process.stdout.columns ?? 80 } : {}),
  ...(process.stdin.isTTY === true && process.stderr.isTTY === true ? { confirm } : {}),
};
process.exitCode = await main(process.argv.slice(2), io);
