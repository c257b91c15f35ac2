// Runs the built `uqjs-bench` executable (dist/cli.js, built by the nx `test` target's dependency
// on `build`) in a child process, as users do: the one helper of every e2e test file.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built executable. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** How a run of the executable ended, with everything it printed. */
export interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link startCli}. */
export interface CliOptions {
  /** The child's environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Its own process group, so a test can kill the program together with its workers. */
  readonly detached?: boolean;
}

/** Starts `uqjs-bench args...`; `done` resolves once the child has closed its output. */
export function startCli(
  args: readonly string[],
  options: CliOptions = {},
): { child: ChildProcess; done: Promise<Outcome> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: 'pipe',
    env: options.env ?? process.env,
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<Outcome>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

/** Runs `uqjs-bench args...` to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<Outcome> {
  return startCli(args, options).done;
}

/** Fails (in a `beforeAll`) with how to build when dist/cli.js is missing. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: build first (npx nx run bench:test builds it)`);
  }
}
