// What both parts of the page do with their training worker (the toy problems and the
// segmentation tab): start it, send the form's settings on Train, ask it to stop (restarting
// it when it does not), and keep the status line, progress bar, badge and state up to date.
import type { BackendChoice, FromWorker, ToWorker } from '../protocol.js';

/** How long Stop waits for the worker to end a run before restarting the worker. */
export const STOP_GRACE_MS = 8000;

/** The part of a page state (`window.__playground...`) that the worker's messages update. */
export interface TrainingState {
  backend: string | null;
  backendNote: string;
  status: string;
  error: string | null;
  progress: { done: number; total: number; loss: number };
  runs: number;
  last: unknown;
}

/** The page elements of one training form. */
export interface TrainingElements {
  readonly form: HTMLFormElement;
  readonly trainButton: HTMLButtonElement;
  readonly stopButton: HTMLButtonElement;
  readonly progress: HTMLProgressElement;
  readonly statusLine: HTMLElement;
  readonly badge: HTMLElement;
}

/**
 * The elements of the form whose ids are `prefix` + `controls`, `train`, `stop`, `progress`,
 * `status` and `backend` (the badge); throws naming a missing one.
 */
export function trainingElements(prefix: string): TrainingElements {
  const byId = <T extends HTMLElement>(name: string): T => {
    const element = document.getElementById(`${prefix}${name}`);
    if (element === null) throw new Error(`page: no element #${prefix}${name}`);
    return element as T;
  };
  return {
    form: byId<HTMLFormElement>('controls'),
    trainButton: byId<HTMLButtonElement>('train'),
    stopButton: byId<HTMLButtonElement>('stop'),
    progress: byId<HTMLProgressElement>('progress'),
    statusLine: byId('status'),
    badge: byId('backend'),
  };
}

/** A finished run's settings, backend, epochs and timings (in `state.last` with the numbers). */
export interface RunRecord<S> {
  readonly settings: S;
  readonly backend: string;
  readonly epochsDone: number;
  readonly stopped: boolean;
  readonly trainSeconds: number;
  readonly totalSeconds: number;
}

/** `"2.1 s training, 2.4 s in all"`. */
export function secondsText(run: RunRecord<unknown>): string {
  return `${run.trainSeconds.toFixed(1)} s training, ${run.totalSeconds.toFixed(1)} s in all`;
}

/** What differs between the two parts: their worker, settings, texts and drawing. */
export interface TrainingPageOptions<S, R> {
  readonly state: TrainingState;
  readonly elements: TrainingElements;
  readonly backend: BackendChoice;
  /** A new worker (`new Worker(new URL('./worker.ts', import.meta.url), ...)` in the caller, for Vite). */
  readonly createWorker: () => Worker;
  /** The form's settings; throws naming the first bad field. */
  readSettings(form: HTMLFormElement): S;
  /** Epochs a run of `settings` reports progress over. */
  epochsOf(settings: S): number;
  /** The status line once the worker is ready (and whether it is an error). */
  readyStatus(): { text: string; isError: boolean };
  /** The status line while training, after `done` epochs. */
  progressStatus(settings: S, done: number, loss: number): string;
  /** The status line while the worker evaluates the trained model. */
  readonly evaluatingStatus: string;
  /**
   * Draws the `result` of a finished run, records it in `state.last` and returns the status
   * line; `run` is `null` when no run of this page was in progress (a restarted worker).
   */
  finished(result: R, run: RunRecord<S> | null): string;
}

/** The running part of a page: its worker and the settings of the run in progress. */
export interface TrainingPage {
  /** Starts the worker (again after a restart). */
  startWorker(): void;
  /** Whether a run is in progress. */
  running(): boolean;
  setStatus(text: string, isError?: boolean): void;
}

/**
 * Wires a training form to its worker: Train sends the form's settings (a bad field is shown
 * in the status line), Stop asks the worker to end after the current epoch and restarts it if
 * it has not within {@link STOP_GRACE_MS} (the run is lost, the page stays usable), and every
 * message from the worker updates `state`, the status line, the progress bar and the badge.
 */
export function trainingPage<S, R>(opts: TrainingPageOptions<S, R>): TrainingPage {
  const { state, elements } = opts;
  const { form, trainButton, stopButton, progress, statusLine, badge } = elements;
  let worker: Worker | null = null;
  let running: S | null = null;
  let stopTimer: ReturnType<typeof setTimeout> | undefined;

  const setStatus = (text: string, isError = false) => {
    statusLine.textContent = text;
    statusLine.classList.toggle('error', isError);
  };
  const setRunning = (settings: S | null) => {
    running = settings;
    trainButton.disabled = settings !== null || state.backend === null;
    stopButton.disabled = settings === null;
  };
  const send = (message: ToWorker<S>) => worker?.postMessage(message);

  const onMessage = (message: FromWorker<R>) => {
    switch (message.type) {
      case 'backend': {
        state.backend = message.name;
        state.backendNote = message.note;
        state.status = 'idle';
        badge.textContent = `Backend: ${message.name} · ${message.note}`;
        setRunning(null);
        const ready = opts.readyStatus();
        setStatus(ready.text, ready.isError);
        return;
      }
      case 'progress':
        state.progress = { done: message.done, total: message.total, loss: message.loss };
        progress.value = message.done / message.total;
        if (running !== null) setStatus(opts.progressStatus(running, message.done, message.loss));
        return;
      case 'evaluating':
        state.status = 'evaluating';
        setStatus(opts.evaluatingStatus);
        return;
      case 'finished': {
        clearTimeout(stopTimer);
        const run =
          running === null
            ? null
            : {
                settings: running,
                backend: state.backend ?? '',
                epochsDone: message.epochsDone,
                stopped: message.stopped,
                trainSeconds: message.trainSeconds,
                totalSeconds: message.totalSeconds,
              };
        const text = opts.finished(message.result, run);
        state.status = message.stopped ? 'stopped' : 'done';
        state.runs += 1;
        setStatus(text);
        setRunning(null);
        return;
      }
      case 'error':
        clearTimeout(stopTimer);
        state.status = 'error';
        state.error = message.message;
        setStatus(`Error: ${message.message}`, true);
        setRunning(null);
        return;
    }
  };

  const startWorker = () => {
    worker = opts.createWorker();
    worker.onmessage = (event: MessageEvent<FromWorker<R>>) => onMessage(event.data);
    worker.onerror = (event) =>
      onMessage({ type: 'error', message: event.message || 'worker failed' });
    send({ type: 'init', backend: opts.backend });
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (running !== null) return;
    let settings: S;
    try {
      settings = opts.readSettings(form);
    } catch (error) {
      setStatus(error instanceof Error ? error.message : String(error), true);
      return;
    }
    state.status = 'training';
    state.error = null;
    state.progress = { done: 0, total: opts.epochsOf(settings), loss: Number.NaN };
    progress.value = 0;
    setRunning(settings);
    setStatus('Training…');
    send({ type: 'train', settings });
  });

  stopButton.addEventListener('click', () => {
    if (running === null) return;
    stopButton.disabled = true;
    setStatus('Stopping after this epoch…');
    send({ type: 'stop' });
    stopTimer = setTimeout(() => {
      worker?.terminate();
      state.status = 'stopped';
      state.runs += 1;
      state.last = null;
      setRunning(null);
      state.backend = null;
      setStatus('Stopped (the worker was restarted).');
      startWorker();
    }, STOP_GRACE_MS);
  });

  return { startWorker, running: () => running !== null, setStatus };
}
