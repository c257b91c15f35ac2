// Entry point of each child process of `runInWorkers` (forked, never imported): picks a
// backend with `resolveBackend` (so `UQJS_BACKEND` in the worker's environment decides),
// imports the task module, then runs the tasks the parent sends, one at a time. A task's second
// argument has `progress(value)`, which sends `value` to the parent's `onProgress`.
import { resolveBackend } from './resolve-backend.js';
import type { TaskContext } from './run-in-workers.js';
import { type ChildMessage, errorMessage, type ParentMessage } from './worker-protocol.js';

type TaskFunction = (task: unknown, context: TaskContext<unknown>) => unknown;

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function load(moduleUrl: string, logBackend: boolean): Promise<TaskFunction> {
  const backend = await resolveBackend({
    log: logBackend ? (message) => console.error(`${message} [worker ${process.pid}]`) : false,
  });
  const imported = (await import(moduleUrl)) as { default?: unknown };
  if (typeof imported.default !== 'function') {
    throw new Error(
      `${moduleUrl} must have a default export \`async (task) => result\`, got ${typeof imported.default}`,
    );
  }
  send({ type: 'ready', backend: backend.name });
  return imported.default as TaskFunction;
}

let taskFunction: Promise<TaskFunction> | undefined;

async function run(index: number, task: unknown): Promise<void> {
  const fn = await taskFunction;
  if (fn === undefined) throw new Error('task received before init');
  try {
    const context: TaskContext<unknown> = {
      progress: (progress) => send({ type: 'progress', index, progress }),
    };
    send({ type: 'result', index, result: await fn(task, context) });
  } catch (error) {
    send({
      type: 'error',
      index,
      message: errorMessage(error),
      ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
    });
  }
}

// The parent answers a fatal message by stopping every worker.
function fatal(error: unknown): void {
  send({ type: 'fatal', message: errorMessage(error) });
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'init') {
    taskFunction = load(message.module, message.logBackend);
    taskFunction.catch(fatal);
  } else {
    run(message.index, message.task).catch(fatal);
  }
});
// The parent closing the channel (all tasks done, or it stopped us) ends the worker.
process.on('disconnect', () => process.exit(0));
