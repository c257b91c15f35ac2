// The segmentation tab's worker: picks its backend (WebAssembly when it loads, see
// backend.ts), runs one segmentation run at a time, and posts progress and the maps back.
import { chooseSegmentationBackend } from './backend.js';
import { runSegmentation } from './compute.js';
import type { FromSegmentationWorker, ToSegmentationWorker } from './protocol.js';

/** The worker's global scope, typed with what this file uses (the DOM lib has no worker types). */
interface WorkerScope {
  postMessage(message: FromSegmentationWorker, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToSegmentationWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;
let ready: Promise<unknown> = Promise.resolve();
let busy = false;
let stopRequested = false;

function post(message: FromSegmentationWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

async function train(message: Extract<ToSegmentationWorker, { type: 'train' }>): Promise<void> {
  await ready;
  busy = true;
  stopRequested = false;
  const started = performance.now();
  try {
    const outcome = await runSegmentation(message.settings, {
      progress: (done, total, loss) => post({ type: 'progress', done, total, loss }),
      stopRequested: () => stopRequested,
      evaluating: () => post({ type: 'evaluating' }),
    });
    const { result } = outcome;
    // Each map owns its buffer (sliced or freshly allocated): moved to the page, not copied.
    const buffers = [
      result.images,
      result.labels,
      result.oodMask,
      result.prediction,
      result.total,
      result.aleatoric,
      result.epistemic,
    ].map((map) => map.buffer as ArrayBuffer);
    post(
      {
        type: 'finished',
        result,
        epochsDone: outcome.epochsDone,
        stopped: outcome.stopped,
        trainSeconds: outcome.trainSeconds,
        totalSeconds: (performance.now() - started) / 1000,
      },
      buffers,
    );
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  } finally {
    busy = false;
  }
}

scope.onmessage = (event: MessageEvent<ToSegmentationWorker>) => {
  const message = event.data;
  if (message.type === 'init') {
    ready = chooseSegmentationBackend(message.backend).then(
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
