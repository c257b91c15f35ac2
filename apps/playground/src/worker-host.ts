// What both training workers do (the toy problems' and the segmentation tab's): pick the
// backend on `init`, run one training run at a time on `train`, note `stop`, and post
// progress and the outcome back, moving the result's typed arrays instead of copying them.
import type { ChosenBackend } from './backend.js';
import type { BackendChoice, FromWorker, ToWorker } from './protocol.js';
import type { RunHooks } from './run.js';

/** How a run ended: its result and the epochs and seconds it trained. */
export interface HostedOutcome<R> {
  readonly result: R;
  readonly epochsDone: number;
  readonly stopped: boolean;
  readonly trainSeconds: number;
}

/** The worker's global scope, typed with what this file uses (the DOM lib has no worker types). */
interface WorkerScope<S, R> {
  postMessage(message: FromWorker<R>, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker<S>>) => void) | null;
}

/** The distinct buffers of a result's typed arrays, moved to the page instead of copied. */
export function buffersOf(result: object | null): Transferable[] {
  if (result === null) return [];
  const buffers = new Set<ArrayBuffer>();
  for (const value of Object.values(result)) {
    if (ArrayBuffer.isView(value)) buffers.add(value.buffer as ArrayBuffer);
  }
  return [...buffers];
}

/**
 * Serves the page from this worker: `chooseBackend` on `init` (a `train` waits for it), `run`
 * on `train` with hooks that post progress and read the `stop` flag, then a `finished` message
 * (or an `error` one with the message of what was thrown).
 */
export function hostTrainingRuns<S, R extends object | null>(
  chooseBackend: (choice: BackendChoice) => Promise<ChosenBackend>,
  run: (settings: S, hooks: RunHooks) => Promise<HostedOutcome<R>>,
): void {
  const scope = self as unknown as WorkerScope<S, R>;
  const post = (message: FromWorker<R>, transfer: Transferable[] = []) =>
    scope.postMessage(message, transfer);
  let ready: Promise<unknown> = Promise.resolve();
  let busy = false;
  let stopRequested = false;

  const train = async (settings: S) => {
    await ready;
    busy = true;
    stopRequested = false;
    const started = performance.now();
    try {
      const outcome = await run(settings, {
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
  };

  scope.onmessage = (event) => {
    const message = event.data;
    if (message.type === 'init') {
      ready = chooseBackend(message.backend).then(
        (chosen) => post({ type: 'backend', ...chosen }),
        (error: unknown) => post({ type: 'error', message: String(error) }),
      );
    } else if (message.type === 'train') {
      if (busy) post({ type: 'error', message: 'a run is already in progress' });
      else void train(message.settings);
    } else if (message.type === 'stop') {
      stopRequested = true;
    }
  };
}
