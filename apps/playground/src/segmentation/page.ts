// The segmentation tab of the page: the tab bar, the tab's form, its own training worker
// (started when the tab is first opened), and the drawing of what the worker sends back.
import type { BackendChoice } from '../protocol.js';
import { renderSegmentationGrid, renderSegmentationSummary } from '../ui/segmentation-panel.js';
import { secondsText, trainingElements, trainingPage } from '../ui/training-page.js';
import { segmentationTestSet, shownImages } from './data.js';
import type { SegmentationResult } from './protocol.js';
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
 * load) and the segmentation tab, whose worker starts when the tab is first opened. `backend`
 * is the page's `?backend=` choice, passed to the tab's worker.
 */
export function setupSegmentationTab(backend: BackendChoice): void {
  const state = initialSegmentationState();
  window.__playgroundSegmentation = state;
  const elements = trainingElements('segmentation-');
  const { form } = elements;
  const page = trainingPage<SegmentationSettings, SegmentationResult>({
    state,
    elements,
    backend,
    createWorker: () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }),
    readSettings: readForm,
    epochsOf: (settings) => settings.epochs,
    readyStatus: () => ({
      text: 'Ready: Train generates the images, trains the U-Net and draws the maps.',
      isError: false,
    }),
    progressStatus: (settings, done, loss) =>
      `Training: epoch ${done} of ${settings.epochs}, loss ${loss.toFixed(4)}`,
    evaluatingStatus: 'Computing the maps of the test images…',
    finished(result, run) {
      renderSegmentationGrid(byId('segmentation-grid'), result);
      renderSegmentationSummary(byId<HTMLTableElement>('segmentation-summary'), result);
      state.last = run === null ? null : { ...run, ...segmentationNumbers(result) };
      if (run === null) return 'Done (a run of the restarted worker).';
      return run.stopped
        ? `Stopped at epoch ${run.epochsDone} (${secondsText(run)}); drawn as trained so far.`
        : `Done after ${run.epochsDone} epochs (${secondsText(run)}) on ${run.backend}.`;
    },
  });
  const temperature = byId<HTMLLabelElement>('segmentation-temperature');
  const showTemperature = () => {
    const head = form.elements.namedItem(fieldName('head')) as HTMLSelectElement;
    temperature.hidden = head.value !== 'heteroscedastic';
  };
  let started = false;
  const open = (tab: Tab) => {
    for (const name of TABS) {
      byId(`tab-${name}`).setAttribute('aria-selected', String(name === tab));
      byId(`pane-${name}`).hidden = name !== tab;
    }
    // The badge under the title names the toy problems' backend.
    byId('backend').hidden = tab !== 'toy';
    if (tab === 'segmentation' && !started) {
      started = true;
      state.status = 'starting';
      page.setStatus('Loading the segmentation worker…');
      showData();
      page.startWorker();
    }
  };

  /** Draws the first test images and labels of the form's size and seed, as long as valid. */
  const showData = () => {
    let settings: SegmentationSettings;
    try {
      settings = readForm(form);
    } catch {
      return; // An invalid field: Train reports it.
    }
    renderSegmentationGrid(byId('segmentation-grid'), shownImages(segmentationTestSet(settings)));
    byId('segmentation-summary').replaceChildren();
  };
  form.addEventListener('change', (event) => {
    showTemperature();
    const name = (event.target as HTMLInputElement).name;
    if (!page.running() && [fieldName('size'), fieldName('seed')].includes(name)) showData();
  });
  for (const tab of TABS) byId(`tab-${tab}`).addEventListener('click', () => open(tab));
  writeForm(form, DEFAULT_SEGMENTATION_SETTINGS);
  showTemperature();
  if (new URLSearchParams(location.search).get('tab') === 'segmentation') open('segmentation');
}
