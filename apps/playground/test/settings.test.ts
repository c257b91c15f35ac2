import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, test } from 'vitest';
import { checkSettings, DEFAULT_SETTINGS } from '../src/settings.js';
import { DATASET_DEFAULTS, settingsFromUrl } from '../src/ui/form.js';

const raw = (over: Record<string, unknown>) => ({ ...DEFAULT_SETTINGS, ...over });

describe('checkSettings', () => {
  test('accepts the defaults and returns them unchanged', () => {
    expect(checkSettings(raw({}))).toEqual(DEFAULT_SETTINGS);
  });

  test.each([
    [{ epochs: 0 }, 'checkSettings: epochs must be'],
    [{ epochs: 2.5 }, 'checkSettings: epochs must be'],
    [{ learningRate: -1 }, 'checkSettings: learningRate must be'],
    [{ temperature: 0 }, 'checkSettings: temperature must be'],
    [{ dropoutRate: 1 }, 'checkSettings: dropoutRate must be a number in [0.01, 0.9]'],
    [{ ensembleSize: 1 }, 'checkSettings: ensembleSize must be'],
    [{ noise: 'cauchy' }, "checkSettings: noise must be one of 'normal', 'logistic', 'gumbel'"],
    [{ method: 'bayes' }, 'checkSettings: method must be one of'],
    [{ dataset: 'mnist' }, 'checkSettings: dataset must be one of'],
    [{ gridSize: Number.NaN }, 'checkSettings: gridSize must be'],
    [{ seed: -1 }, 'checkSettings: seed must be'],
    [{ alpha: 0.6 }, 'checkSettings: alpha must be a number in [0.02, 0.5]'],
    [{ alpha: 0.01 }, 'checkSettings: alpha must be a number in [0.02, 0.5]'],
    [{ conformal: 'cqr' }, "checkSettings: conformal must be one of 'lac', 'aps', 'raps'"],
  ])('rejects %o naming the field', (over, message) => {
    expect(() => checkSettings(raw(over))).toThrow(InvalidArgumentError);
    expect(() => checkSettings(raw(over))).toThrow(message);
  });

  test('offers no SNGP for the regression view', () => {
    expect(() => checkSettings(raw({ dataset: 'cubic', method: 'sngp' }))).toThrow(
      'checkSettings: method must be one of deterministic, heteroscedastic, mc-dropout, ensemble, mimo, kfold for the regression view',
    );
    for (const method of ['ensemble', 'mimo', 'kfold']) {
      expect(checkSettings(raw({ dataset: 'cubic', method })).method).toBe(method);
    }
  });
});

describe('settingsFromUrl', () => {
  test("starts from the dataset's defaults and applies the named fields", () => {
    const settings = settingsFromUrl('?dataset=spirals&method=ensemble&ensembleSize=3&unknown=1');
    expect(settings).toMatchObject({
      ...DATASET_DEFAULTS.spirals,
      dataset: 'spirals',
      method: 'ensemble',
      ensembleSize: 3,
    });
    expect(settings).not.toHaveProperty('unknown');
    expect(checkSettings(settings as Record<string, unknown>)).toMatchObject({
      ensembleSize: 3,
      epochs: DATASET_DEFAULTS.spirals.epochs,
    });
  });

  test('gives the page defaults without parameters', () => {
    expect(settingsFromUrl('')).toEqual(DEFAULT_SETTINGS);
  });
});
