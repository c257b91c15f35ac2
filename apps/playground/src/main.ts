// The page: reads the form, drives the training worker (ui/training-page.ts), draws what it
// sends back, and keeps `window.__playground` up to date for tests and the console.
import type { BackendChoice, RunResult } from './protocol.js';
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
import { secondsText, trainingElements, trainingPage } from './ui/training-page.js';

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`page: no element #${id}`);
  return element as T;
}

const state = initialState();
window.__playground = state;

const elements = trainingElements('');
const { form } = elements;
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

/** Where a run stands after `done` epochs (counted over all members for the ensembles). */
function epochsText(settings: Settings, done: number): string {
  if (settings.method !== 'ensemble' && settings.method !== 'kfold') {
    return `epoch ${done} of ${settings.epochs}`;
  }
  const member = Math.min(settings.ensembleSize, Math.floor((done - 1) / settings.epochs) + 1);
  const epoch = done - (member - 1) * settings.epochs;
  return `member ${member} of ${settings.ensembleSize}, epoch ${epoch} of ${settings.epochs}`;
}

const page = trainingPage<Settings, RunResult | null>({
  state,
  elements,
  backend: backendChoice,
  createWorker: () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }),
  readSettings,
  epochsOf: (settings) => settings.epochs,
  readyStatus: () =>
    urlError !== null
      ? { text: `${urlError} (using the defaults)`, isError: true }
      : { text: 'Ready. Pick a dataset and a method, then Train.', isError: false },
  progressStatus: (settings, done, loss) =>
    `Training: ${epochsText(settings, done)}, loss ${loss.toFixed(4)}`,
  evaluatingStatus: 'Computing the surfaces…',
  finished(result, run) {
    if (result !== null) renderResult(result);
    state.last =
      run === null ? null : { ...run, result: result === null ? null : resultNumbers(result) };
    if (run === null) return 'Done (a run of the restarted worker).';
    const epochs = epochsText(run.settings, run.epochsDone);
    return run.stopped
      ? result === null
        ? `Stopped at ${epochs}; an ensemble with untrained members is not drawn.`
        : `Stopped at ${epochs} (${secondsText(run)}); drawn as trained so far.`
      : `Done after ${epochs} (${secondsText(run)}) on ${run.backend}.`;
  },
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
  if (!page.running() && ['dataset', 'seed', 'labelNoise'].includes(name)) showData();
});

byId('colorbar').style.background = sequentialGradientCss();
writeSettings(
  form,
  fromUrl(() => settingsFromUrl(location.search), DEFAULT_SETTINGS),
);
if (urlError !== null) {
  state.error = urlError;
  page.setStatus(`${urlError} (using the defaults)`, true);
}
updateVisibility(form);
showData();
page.startWorker();
setupSegmentationTab(backendChoice);
