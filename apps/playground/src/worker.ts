// The training worker: picks the tfjs backend, runs one training run at a time, and posts
// progress and the evaluated surfaces back to the page (see protocol.ts).
import { chooseBackend } from './backend.js';
import type { FromWorker, RunResult, ToWorker } from './protocol.js';
import { runPlayground } from './run.js';

/** The worker's global scope, typed with what this file uses (the DOM lib has no worker types). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;
let ready: Promise<unknown> = Promise.resolve();
let busy = false;
let stopRequested = false;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** The distinct buffers of a result's typed arrays, moved to the page instead of copied. */
function buffersOf(result: RunResult | null): Transferable[] {
  if (result === null) return [];
  const buffers = new Set<ArrayBuffer>();
  for (const value of Object.values(result)) {
    if (ArrayBuffer.isView(value)) buffers.add(value.buffer as ArrayBuffer);
  }
  return [...buffers];
}

async function train(message: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  await ready;
  busy = true;
  stopRequested = false;
  const started = performance.now();
  try {
    const outcome = await runPlayground(message.settings, {
      progress: (done, total, loss) => post({ type: 'progress', done, total, loss }),
      stopRequested: () => stopRequested,
      evaluating: () => post({ type: 'evaluating' }),
    });
    post(
      {
        type: 'finished',
        result: outcome.result,
        epochsDone: outcome.epochsDone,
        stopped: outcome.stopped,
        trainSeconds: outcome.trainSeconds,
        totalSeconds: (performance.now() - started) / 1000,
      },
      buffersOf(outcome.result),
    );
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  } finally {
    busy = false;
  }
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'init') {
    ready = chooseBackend(message.backend).then(
      (chosen) => post({ type: 'backend', ...chosen }),
      (error: unknown) => post({ type: 'error', message: String(error) }),
    );
  } else if (message.type === 'train') {
    if (busy) post({ type: 'error', message: 'a run is already in progress' });
    else void train(message);
  } else if (message.type === 'stop') {
    stopRequested = true;
  }
};
