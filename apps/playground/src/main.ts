// The page: reads the form, drives the training worker, draws what it sends back, and keeps
// `window.__playground` up to date for tests and the console.
import type { BackendChoice, FromWorker, ToWorker } from './protocol.js';
import { setupSegmentationTab } from './segmentation/page.js';
import { DEFAULT_SETTINGS, type Settings } from './settings.js';
import { initialState, resultNumbers } from './state.js';
import { makeTask } from './tasks.js';
import { sequentialGradientCss } from './ui/colormap.js';
import {
  applyDatasetDefaults,
  backendFromUrl,
  readSettings,
  settingsFromUrl,
  updateVisibility,
  writeSettings,
} from './ui/form.js';
import { renderData, renderResult } from './ui/render-result.js';

/** How long Stop waits for the worker to end a run before restarting the worker. */
const STOP_GRACE_MS = 8000;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`page: no element #${id}`);
  return element as T;
}

const state = initialState();
window.__playground = state;

const form = byId<HTMLFormElement>('controls');
const trainButton = byId<HTMLButtonElement>('train');
const stopButton = byId<HTMLButtonElement>('stop');
const progress = byId<HTMLProgressElement>('progress');
const statusLine = byId<HTMLParagraphElement>('status');
const badge = byId<HTMLParagraphElement>('backend');
/** A bad URL parameter: shown (and kept) in the status line; the page uses its defaults. */
let urlError: string | null = null;
function fromUrl<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch (error) {
    urlError ??= error instanceof Error ? error.message : String(error);
    return fallback;
  }
}
const backendChoice: BackendChoice = fromUrl(() => backendFromUrl(location.search), 'auto');

let worker: Worker;
let running: Settings | null = null;
let stopTimer: ReturnType<typeof setTimeout> | undefined;

function setStatus(text: string, isError = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

function setRunning(settings: Settings | null): void {
  running = settings;
  trainButton.disabled = settings !== null || state.backend === null;
  stopButton.disabled = settings === null;
}

/** Where a run stands after `done` epochs (counted over all members for the ensemble). */
function epochsText(settings: Settings, done: number): string {
  if (settings.method !== 'ensemble') return `epoch ${done} of ${settings.epochs}`;
  const member = Math.min(settings.ensembleSize, Math.floor((done - 1) / settings.epochs) + 1);
  const epoch = done - (member - 1) * settings.epochs;
  return `member ${member} of ${settings.ensembleSize}, epoch ${epoch} of ${settings.epochs}`;
}

function send(message: ToWorker): void {
  worker.postMessage(message);
}

function onMessage(message: FromWorker): void {
  switch (message.type) {
    case 'backend':
      state.backend = message.name;
      state.backendNote = message.note;
      state.status = 'idle';
      badge.textContent = `Backend: ${message.name} · ${message.note}`;
      setRunning(null);
      if (urlError !== null) setStatus(`${urlError} (using the defaults)`, true);
      else setStatus('Ready. Pick a dataset and a method, then Train.');
      return;
    case 'progress': {
      state.progress = { done: message.done, total: message.total, loss: message.loss };
      progress.value = message.done / message.total;
      if (running !== null) {
        setStatus(
          `Training: ${epochsText(running, message.done)}, loss ${message.loss.toFixed(4)}`,
        );
      }
      return;
    }
    case 'evaluating':
      state.status = 'evaluating';
      setStatus('Computing the surfaces…');
      return;
    case 'finished': {
      clearTimeout(stopTimer);
      const settings = running;
      if (message.result !== null) renderResult(message.result);
      state.last =
        settings === null
          ? null
          : {
              settings,
              backend: state.backend ?? '',
              epochsDone: message.epochsDone,
              stopped: message.stopped,
              trainSeconds: message.trainSeconds,
              totalSeconds: message.totalSeconds,
              result: message.result === null ? null : resultNumbers(message.result),
            };
      state.status = message.stopped ? 'stopped' : 'done';
      state.runs += 1;
      const seconds = `${message.trainSeconds.toFixed(1)} s training, ${message.totalSeconds.toFixed(1)} s in all`;
      const epochs =
        settings === null
          ? `${message.epochsDone} epochs`
          : epochsText(settings, message.epochsDone);
      setStatus(
        message.stopped
          ? message.result === null
            ? `Stopped at ${epochs}; an ensemble with untrained members is not drawn.`
            : `Stopped at ${epochs} (${seconds}); drawn as trained so far.`
          : `Done after ${epochs} (${seconds}) on ${state.backend}.`,
      );
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
}

function startWorker(): void {
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
  worker.onerror = (event) =>
    onMessage({ type: 'error', message: event.message || 'worker failed' });
  send({ type: 'init', backend: backendChoice });
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (running !== null) return;
  let settings: Settings;
  try {
    settings = readSettings(form);
  } catch (error) {
    setStatus(error instanceof Error ? error.message : String(error), true);
    return;
  }
  state.status = 'training';
  state.error = null;
  state.progress = { done: 0, total: settings.epochs, loss: Number.NaN };
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
  // A worker stuck in one long step gets restarted: the run is lost, the page stays usable.
  stopTimer = setTimeout(() => {
    worker.terminate();
    state.status = 'stopped';
    state.runs += 1;
    state.last = null;
    setRunning(null);
    state.backend = null;
    setStatus('Stopped (the worker was restarted).');
    startWorker();
  }, STOP_GRACE_MS);
});

/** Draws the data of the form's dataset, seed and label noise, as long as they are valid. */
function showData(): void {
  try {
    const settings = readSettings(form);
    renderData(makeTask(settings.dataset, settings.seed, settings.labelNoise));
  } catch {
    // An invalid field: Train reports it.
  }
}

form.addEventListener('change', (event) => {
  const target = event.target as HTMLElement;
  if (target instanceof HTMLSelectElement && target.name === 'dataset') applyDatasetDefaults(form);
  updateVisibility(form);
  const name = (target as HTMLInputElement).name;
  if (running === null && ['dataset', 'seed', 'labelNoise'].includes(name)) showData();
});

byId('colorbar').style.background = sequentialGradientCss();
writeSettings(
  form,
  fromUrl(() => settingsFromUrl(location.search), DEFAULT_SETTINGS),
);
if (urlError !== null) {
  state.error = urlError;
  setStatus(`${urlError} (using the defaults)`, true);
}
updateVisibility(form);
showData();
startWorker();
setupSegmentationTab(backendChoice);
