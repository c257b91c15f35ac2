import { InvalidArgumentError } from '@uqjs/core';
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

/** The argument name of a URL parameter in error messages: `?epochs`. */
const urlName = (name: string) => `URL parameter ?${name}`;

/**
 * Settings given in the page's URL (`?dataset=spirals&method=ensemble&epochs=100`), over the
 * defaults of their dataset, numbers for the numeric fields; unknown names are ignored. A bad
 * value throws an `InvalidArgumentError` naming the parameter, what it accepts and the text
 * given (`URL parameter ?epochs must be an integer..., got "ten"`).
 */
export function settingsFromUrl(search: string): Partial<Settings> {
  const params = new URLSearchParams(search);
  const dataset = params.get('dataset');
  const out: Record<string, unknown> = {
    ...DEFAULT_SETTINGS,
    ...(DATASETS.includes(dataset as DatasetName) ? DATASET_DEFAULTS[dataset as DatasetName] : {}),
  };
  const given = new Map<string, string>();
  for (const [name, initial] of Object.entries(DEFAULT_SETTINGS)) {
    const value = params.get(name);
    if (value === null) continue;
    given.set(name, value);
    out[name] = typeof initial === 'number' && value.trim() !== '' ? Number(value) : value;
  }
  try {
    checkSettings(out);
  } catch (error) {
    const name = error instanceof InvalidArgumentError ? error.argument : undefined;
    const text = name === undefined ? undefined : given.get(name);
    if (name === undefined || text === undefined) throw error;
    // checkSettings' message: "checkSettings: <name> must be <expected>, got <value>".
    const expected = /must be (.*), got /s.exec((error as Error).message)?.[1] ?? 'valid';
    throw new InvalidArgumentError({ fn: 'page', argument: urlName(name), expected, given: text });
  }
  return out as Partial<Settings>;
}

/** Backends the page can be asked for with `?backend=`. */
export const URL_BACKENDS = ['auto', 'webgl', 'cpu'] as const;

/** `?backend=` (default `auto`); another value throws naming it. */
export function backendFromUrl(search: string): (typeof URL_BACKENDS)[number] {
  const value = new URLSearchParams(search).get('backend');
  if (value === null) return 'auto';
  if (!(URL_BACKENDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError({
      fn: 'page',
      argument: urlName('backend'),
      expected: `one of ${URL_BACKENDS.join(', ')}`,
      given: value,
    });
  }
  return value as (typeof URL_BACKENDS)[number];
}

/**
 * Shows the fields of the current dataset kind and method (`data-show` holds
 * `kind:method` tokens, where `kind` may also be a dataset name and `*` matches any), and
 * offers only the regression methods for the regression view.
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
      return (k === '*' || k === kind || k === dataset) && (m === '*' || m === method);
    });
  }
}

/** Resets the training fields to the dataset's defaults when the dataset changes. */
export function applyDatasetDefaults(form: HTMLFormElement): void {
  const dataset = field(form, 'dataset').value as DatasetName;
  writeSettings(form, DATASET_DEFAULTS[dataset]);
}
