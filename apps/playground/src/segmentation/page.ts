// The segmentation tab of the page: the tab bar, the tab's form, its own training worker
// (started when the tab is first opened), and the drawing of what the worker sends back.
import type { BackendChoice } from '../protocol.js';
import { renderSegmentationGrid, renderSegmentationSummary } from '../ui/segmentation-panel.js';
import type { FromSegmentationWorker, ToSegmentationWorker } from './protocol.js';
import {
  checkSegmentationSettings,
  DEFAULT_SEGMENTATION_SETTINGS,
  type SegmentationSettings,
} from './settings.js';
import { initialSegmentationState, segmentationNumbers } from './state.js';

const TABS = ['toy', 'segmentation'] as const;
type Tab = (typeof TABS)[number];

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`page: no element #${id}`);
  return element as T;
}

/**
 * The form field of setting `name`: `seg-<name>`, apart from the toy problems' fields of the
 * same names (`epochs`, `seed`, ...).
 */
function fieldName(name: string): string {
  return `seg-${name}`;
}

/** The tab's form fields as `checkSegmentationSettings` reads them: numbers for numbers. */
function readForm(form: HTMLFormElement): SegmentationSettings {
  const values: Record<string, unknown> = {};
  for (const [name, initial] of Object.entries(DEFAULT_SEGMENTATION_SETTINGS)) {
    const element = form.elements.namedItem(fieldName(name)) as
      | HTMLInputElement
      | HTMLSelectElement;
    values[name] = typeof initial === 'number' ? Number(element.value) : element.value;
  }
  return checkSegmentationSettings(values);
}

function writeForm(form: HTMLFormElement, settings: SegmentationSettings): void {
  for (const [name, value] of Object.entries(settings)) {
    (form.elements.namedItem(fieldName(name)) as HTMLInputElement | HTMLSelectElement).value =
      String(value);
  }
}

/**
 * Wires the tab bar (`#tab-toy`, `#tab-segmentation`; `?tab=segmentation` opens the second at
 * load) and the segmentation tab. `backend` is the page's `?backend=` choice, passed to the
 * tab's worker.
 */
export function setupSegmentationTab(backend: BackendChoice): void {
  const state = initialSegmentationState();
  window.__playgroundSegmentation = state;
  const form = byId<HTMLFormElement>('segmentation-controls');
  const trainButton = byId<HTMLButtonElement>('segmentation-train');
  const stopButton = byId<HTMLButtonElement>('segmentation-stop');
  const progress = byId<HTMLProgressElement>('segmentation-progress');
  const statusLine = byId<HTMLParagraphElement>('segmentation-status');
  const badge = byId<HTMLParagraphElement>('segmentation-backend');
  const temperature = byId<HTMLLabelElement>('segmentation-temperature');
  let worker: Worker | null = null;
  let running: SegmentationSettings | null = null;

  const setStatus = (text: string, isError = false) => {
    statusLine.textContent = text;
    statusLine.classList.toggle('error', isError);
  };
  const setRunning = (settings: SegmentationSettings | null) => {
    running = settings;
    trainButton.disabled = settings !== null || state.backend === null;
    stopButton.disabled = settings === null;
  };
  const send = (message: ToSegmentationWorker) => worker?.postMessage(message);
  const showTemperature = () => {
    temperature.hidden =
      (form.elements.namedItem(fieldName('head')) as HTMLSelectElement).value !== 'heteroscedastic';
  };

  const onMessage = (message: FromSegmentationWorker) => {
    switch (message.type) {
      case 'backend':
        state.backend = message.name;
        state.backendNote = message.note;
        state.status = 'idle';
        badge.textContent = `Backend: ${message.name} · ${message.note}`;
        setRunning(null);
        setStatus('Ready: Train generates the images, trains the U-Net and draws the maps.');
        return;
      case 'progress':
        state.progress = { done: message.done, total: message.total, loss: message.loss };
        progress.value = message.done / message.total;
        setStatus(
          `Training: epoch ${message.done} of ${message.total}, loss ${message.loss.toFixed(4)}`,
        );
        return;
      case 'evaluating':
        state.status = 'evaluating';
        setStatus('Computing the maps of the test images…');
        return;
      case 'finished': {
        const { result } = message;
        renderSegmentationGrid(byId('segmentation-grid'), result);
        renderSegmentationSummary(byId<HTMLTableElement>('segmentation-summary'), result);
        state.last =
          running === null
            ? null
            : {
                settings: running,
                backend: state.backend ?? '',
                epochsDone: message.epochsDone,
                stopped: message.stopped,
                trainSeconds: message.trainSeconds,
                totalSeconds: message.totalSeconds,
                ...segmentationNumbers(result),
              };
        state.status = message.stopped ? 'stopped' : 'done';
        state.runs += 1;
        const seconds = `${message.trainSeconds.toFixed(1)} s training, ${message.totalSeconds.toFixed(1)} s in all`;
        setStatus(
          message.stopped
            ? `Stopped at epoch ${message.epochsDone} (${seconds}); drawn as trained so far.`
            : `Done after ${message.epochsDone} epochs (${seconds}) on ${state.backend}.`,
        );
        setRunning(null);
        return;
      }
      case 'error':
        state.status = 'error';
        state.error = message.message;
        setStatus(`Error: ${message.message}`, true);
        setRunning(null);
        return;
    }
  };

  const startWorker = () => {
    state.status = 'starting';
    setStatus('Loading the segmentation worker…');
    worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<FromSegmentationWorker>) => onMessage(event.data);
    worker.onerror = (event) =>
      onMessage({ type: 'error', message: event.message || 'segmentation worker failed' });
    send({ type: 'init', backend });
  };

  const open = (tab: Tab) => {
    for (const name of TABS) {
      byId(`tab-${name}`).setAttribute('aria-selected', String(name === tab));
      byId(`pane-${name}`).hidden = name !== tab;
    }
    if (tab === 'segmentation' && worker === null) startWorker();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (running !== null) return;
    let settings: SegmentationSettings;
    try {
      settings = readForm(form);
    } catch (error) {
      setStatus(error instanceof Error ? error.message : String(error), true);
      return;
    }
    state.status = 'training';
    state.error = null;
    state.progress = { done: 0, total: settings.epochs, loss: Number.NaN };
    progress.value = 0;
    setRunning(settings);
    setStatus('Generating the images and training…');
    send({ type: 'train', settings });
  });
  stopButton.addEventListener('click', () => {
    if (running === null) return;
    stopButton.disabled = true;
    setStatus('Stopping after this epoch…');
    send({ type: 'stop' });
  });
  form.addEventListener('change', showTemperature);
  for (const tab of TABS) byId(`tab-${tab}`).addEventListener('click', () => open(tab));

  writeForm(form, DEFAULT_SEGMENTATION_SETTINGS);
  showTemperature();
  if (new URLSearchParams(location.search).get('tab') === 'segmentation') open('segmentation');
}
