import {
  checkSettings,
  DATASETS,
  type DatasetName,
  DEFAULT_SETTINGS,
  REGRESSION_METHODS,
  type Settings,
} from '../settings.js';

/** Training defaults per dataset: what converges in seconds on the CPU backend. */
export const DATASET_DEFAULTS: Record<
  DatasetName,
  Pick<Settings, 'epochs' | 'learningRate' | 'hidden'>
> = {
  moons: { epochs: 40, learningRate: 0.01, hidden: 32 },
  spirals: { epochs: 100, learningRate: 0.01, hidden: 64 },
  cubic: { epochs: 400, learningRate: 0.01, hidden: 32 },
};

type Field = HTMLInputElement | HTMLSelectElement;

function field(form: HTMLFormElement, name: string): Field {
  const element = form.elements.namedItem(name);
  if (!(element instanceof HTMLInputElement || element instanceof HTMLSelectElement)) {
    throw new Error(`form: no field named ${name}`);
  }
  return element;
}

/** Every field's value: numbers for number inputs, strings for selects. */
function rawValues(form: HTMLFormElement): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(DEFAULT_SETTINGS)) {
    const element = field(form, name);
    values[name] =
      element instanceof HTMLInputElement && element.type === 'number'
        ? element.valueAsNumber
        : element.value;
  }
  return values;
}

/** The form's settings, checked (`checkSettings` throws naming the first bad field). */
export function readSettings(form: HTMLFormElement): Settings {
  return checkSettings(rawValues(form));
}

/** Puts `settings` into the form. */
export function writeSettings(form: HTMLFormElement, settings: Partial<Settings>): void {
  for (const [name, value] of Object.entries(settings)) field(form, name).value = String(value);
}

/**
 * Settings given in the page's URL (`?dataset=spirals&method=ensemble&epochs=100`), over the
 * defaults of their dataset, numbers for the numeric fields; unknown names are ignored, bad
 * values are caught by `readSettings` when training starts.
 */
export function settingsFromUrl(search: string): Partial<Settings> {
  const params = new URLSearchParams(search);
  const dataset = params.get('dataset');
  const out: Record<string, unknown> = {
    ...DEFAULT_SETTINGS,
    ...(DATASETS.includes(dataset as DatasetName) ? DATASET_DEFAULTS[dataset as DatasetName] : {}),
  };
  for (const [name, initial] of Object.entries(DEFAULT_SETTINGS)) {
    const value = params.get(name);
    if (value !== null) out[name] = typeof initial === 'number' ? Number(value) : value;
  }
  return out as Partial<Settings>;
}

/**
 * Shows the fields of the current dataset kind and method (`data-show` holds
 * `kind:method` tokens, `*` matching any), and offers only the regression methods for the
 * regression view.
 */
export function updateVisibility(form: HTMLFormElement): void {
  const dataset = field(form, 'dataset').value;
  const methodSelect = field(form, 'method') as HTMLSelectElement;
  const kind = dataset === 'cubic' ? 'regression' : 'classification';
  for (const option of methodSelect.options) {
    option.disabled =
      kind === 'regression' && !REGRESSION_METHODS.includes(option.value as Settings['method']);
  }
  if (methodSelect.selectedOptions[0]?.disabled) methodSelect.value = REGRESSION_METHODS[0]!;
  const method = methodSelect.value;
  for (const element of form.querySelectorAll<HTMLElement>('[data-show]')) {
    const tokens = (element.dataset.show ?? '').split(/\s+/);
    element.hidden = !tokens.some((token) => {
      const [k, m] = token.split(':');
      return (k === '*' || k === kind) && (m === '*' || m === method);
    });
  }
}

/** Resets the training fields to the dataset's defaults when the dataset changes. */
export function applyDatasetDefaults(form: HTMLFormElement): void {
  const dataset = field(form, 'dataset').value as DatasetName;
  writeSettings(form, DATASET_DEFAULTS[dataset]);
}
