// End-to-end: builds the page, serves the build from a plain static server under a sub-path,
// drives the system Chromium with playwright-core, trains methods through the form and
// checks what the page drew and exposed in `window.__playground`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PlaygroundState } from '../src/state.js';
import { type StaticServer, serveStatic } from './static-server.js';

const APP = fileURLToPath(new URL('..', import.meta.url));
const REPORTS = join(APP, 'reports');
/** A build of its own, so the test never races `nx run playground:build` over `dist/`. */
const OUT = join(REPORTS, 'e2e-dist');
/**
 * The Chromium that `scripts/ensure-chromium.sh` finds: `npm test` passes it as `CHROME_PATH`;
 * run alone, the test asks the script (`--find-only`: it never installs from here).
 */
const CHROMIUM =
  process.env.CHROME_PATH ??
  process.env.UQJS_CHROMIUM ??
  (spawnSync('bash', [join(APP, 'scripts', 'ensure-chromium.sh'), '--find-only'], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split('\n')
    .at(-1) ||
    '');
/** Flags that work for root in a container; `launch` adds a fresh temporary profile itself. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server: StaticServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

function state(): Promise<PlaygroundState> {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__playground)) as PlaygroundState);
}

/** Fills the form and presses Train. */
async function train(fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) {
    const selector = `[name="${name}"]`;
    if ((await page.locator(selector).evaluate((e) => e.tagName)) === 'SELECT') {
      await page.selectOption(selector, value);
    } else {
      await page.fill(selector, value);
    }
  }
  await page.click('#train');
}

/** Waits until `runs` runs have finished (done, stopped or failed). */
async function waitForRuns(runs: number, timeout: number): Promise<PlaygroundState> {
  await page.waitForFunction(
    (n) => window.__playground.runs >= n || window.__playground.status === 'error',
    runs,
    { timeout },
  );
  return state();
}

/**
 * Standard deviation of the pixel luminance of a canvas (on the main page unless `on` is
 * given) and its number of distinct colours.
 */
function canvasSpread(id: string, on: Page = page): Promise<{ std: number; colours: number }> {
  return on.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const colours = new Set<number>();
    let sum = 0;
    let sumSq = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const y = 0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!;
      sum += y;
      sumSq += y * y;
      colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    }
    const mean = sum / n;
    return { std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), colours: colours.size };
  }, id);
}

beforeAll(async () => {
  if (CHROMIUM === '' || !existsSync(CHROMIUM)) {
    throw new Error(
      `e2e: no Chromium${CHROMIUM ? ` at ${CHROMIUM}` : ''}; set CHROME_PATH or run apps/playground/scripts/ensure-chromium.sh`,
    );
  }
  mkdirSync(REPORTS, { recursive: true });
  await build({
    root: APP,
    configFile: join(APP, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir: OUT, emptyOutDir: true },
  });
  // A sub-path, as on a static host serving many sites: only relative URLs work there.
  server = await serveStatic(OUT, '/static/uqjs/playground/');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  await page.goto(server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the built playground in Chromium', () => {
  test('loads from a sub-path and says which backend it uses', async () => {
    await page.waitForFunction(() => window.__playground?.backend !== null, null, {
      timeout: 20_000,
    });
    const loaded = await state();
    expect(['webgl', 'cpu']).toContain(loaded.backend);
    expect(loaded.status).toBe('idle');
    const badge = await page.textContent('#backend');
    expect(badge).toContain(`Backend: ${loaded.backend}`);
    expect(badge).toContain(loaded.backendNote);
    expect(await page.isEnabled('#train')).toBe(true);
  });

  test('draws the data before any training', async () => {
    expect((await state()).runs).toBe(0);
    // White surfaces with the training points and the OOD crosses on them.
    for (const id of ['canvas-probability', 'canvas-aleatoric']) {
      const spread = await canvasSpread(id);
      expect(spread.std, id).toBeGreaterThan(5);
      expect(spread.colours, id).toBeGreaterThan(3);
    }
  });

  test('fits the four panels in one row at 1280 px', async () => {
    const narrow = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await narrow.goto(server.url);
      const boxes = await narrow.evaluate(() =>
        ['probability', 'total', 'aleatoric', 'epistemic'].map((name) => {
          const box = document.getElementById(`canvas-${name}`)!.getBoundingClientRect();
          return { top: box.top, left: box.left, right: box.right, width: box.width };
        }),
      );
      for (const box of boxes) {
        expect(box.top).toBeCloseTo(boxes[0]!.top, 0);
        expect(box.width).toBeGreaterThan(150);
        expect(box.right).toBeLessThanOrEqual(1280);
      }
      for (let i = 1; i < boxes.length; i++) {
        expect(boxes[i]!.left).toBeGreaterThan(boxes[i - 1]!.right);
      }
      await narrow.screenshot({ path: join(REPORTS, 'playground-1280.png') });
    } finally {
      await narrow.close();
    }
  });

  test('regression: the data is drawn before training, the classification panels hidden', async () => {
    const cubic = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await cubic.goto(`${server.url}?dataset=cubic&method=ensemble`);
      expect(await cubic.isVisible('#canvas-regression')).toBe(true);
      expect(await cubic.isVisible('#canvas-probability')).toBe(false);
      // Axes, grid lines and the red data points on white.
      const reds = await cubic.evaluate(() => {
        const canvas = document.getElementById('canvas-regression') as HTMLCanvasElement;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i]! > 180 && data[i + 1]! < 80 && data[i + 2]! < 80) count++;
        }
        return count;
      });
      expect(reds).toBeGreaterThan(20 * 10); // 20 points of radius 3
    } finally {
      await cubic.close();
    }
  });

  test('a bad URL parameter is reported with the value given', async () => {
    const bad = await browser.newPage();
    try {
      await bad.goto(`${server.url}?epochs=ten&method=sngp`);
      await bad.waitForFunction(() => window.__playground?.backend !== null, null, {
        timeout: 20_000,
      });
      const status = await bad.textContent('#status');
      expect(status).toContain('URL parameter ?epochs must be');
      expect(status).toContain('got "ten"');
      expect(await bad.evaluate(() => window.__playground.error)).toContain('"ten"');
      expect(await bad.isEnabled('#train')).toBe(true);
    } finally {
      await bad.close();
    }
  });

  test('trains SNGP on the moons and draws more uncertainty on the OOD cluster', async () => {
    await train({ dataset: 'moons', method: 'sngp', epochs: '30', gridSize: '48', seed: '0' });
    const after = await waitForRuns(1, 50_000);
    expect(after.error).toBeNull();
    expect(after.status).toBe('done');
    const last = after.last!;
    expect(last.settings).toMatchObject({ dataset: 'moons', method: 'sngp', epochs: 30 });
    expect(last.epochsDone).toBe(30);
    expect(last.stopped).toBe(false);
    const result = last.result!;
    if (result.kind !== 'classification') throw new Error('expected a classification result');
    const { train: onTrain, ood } = result.summary;
    // The two moons are separable: a trained model is right and confident on held-out points.
    expect(result.heldOut.accuracy).toBeGreaterThan(0.95);
    expect(onTrain.total).toBeLessThan(0.1);
    // SNGP's GP posterior reverts to its prior away from the data: the OOD cluster, which
    // the model never saw, gets well over a third of the maximum entropy log 2 = 0.69, and
    // at least 5 times the training points' uncertainty, with a larger epistemic part.
    expect(ood).not.toBeNull();
    expect(ood!.total).toBeGreaterThan(0.25);
    expect(ood!.total).toBeGreaterThan(5 * onTrain.total);
    expect(ood!.epistemic).toBeGreaterThan(onTrain.epistemic);
    // The grid's uncertainty spans low (on the moons) to near log 2 (far away).
    expect(result.panels.total.min).toBeLessThan(0.05);
    expect(result.panels.total.max).toBeGreaterThan(0.5);
    expect(result.panels.total.max).toBeLessThanOrEqual(Math.log(2) + 1e-6);
    // The canvases hold an image, not a blank or flat fill.
    for (const id of ['canvas-probability', 'canvas-total', 'canvas-epistemic']) {
      const spread = await canvasSpread(id);
      expect(spread.std, id).toBeGreaterThan(20);
      expect(spread.colours, id).toBeGreaterThan(100);
    }
    expect(await page.locator('#reliability svg').count()).toBe(1);
    expect(await page.textContent('#summary')).toContain('OOD cluster');
    await page.screenshot({ path: join(REPORTS, 'playground-moons-sngp.png'), fullPage: true });
  });

  test('moons with label noise: the heteroscedastic model draws an aleatoric surface', async () => {
    await train({
      dataset: 'moons',
      method: 'heteroscedastic',
      labelNoise: '0.5',
      epochs: '40',
      gridSize: '32',
      seed: '0',
    });
    const after = await waitForRuns(2, 90_000);
    expect(after.error).toBeNull();
    const result = after.last!.result!;
    if (result.kind !== 'classification') throw new Error('expected a classification result');
    expect(after.last!.settings.labelNoise).toBe(0.5);
    // Labels flip with probability up to 0.5 at the right moon's tip: the model's own
    // (aleatoric) entropy there approaches log 2, and the surface is not flat.
    expect(result.panels.aleatoric.max).toBeGreaterThan(0.4);
    expect((await canvasSpread('canvas-aleatoric')).std).toBeGreaterThan(10);
    await page.screenshot({ path: join(REPORTS, 'playground-moons-label-noise.png') });
    await page.fill('[name="labelNoise"]', '0');
  });

  test('Stop ends a long run early and draws the model as trained so far', async () => {
    await train({ dataset: 'moons', method: 'deterministic', epochs: '2000', gridSize: '32' });
    await page.waitForFunction(() => window.__playground.progress.done >= 2, null, {
      timeout: 20_000,
    });
    await page.click('#stop');
    const after = await waitForRuns(3, 30_000);
    expect(after.error).toBeNull();
    expect(after.status).toBe('stopped');
    expect(after.last!.stopped).toBe(true);
    expect(after.last!.epochsDone).toBeGreaterThanOrEqual(2);
    expect(after.last!.epochsDone).toBeLessThan(2000);
    expect(after.last!.result?.kind).toBe('classification');
    expect(await page.textContent('#status')).toContain('Stopped at epoch');
    expect(await page.isEnabled('#train')).toBe(true);
    expect(await page.isDisabled('#stop')).toBe(true);
  });

  test('trains on the WebGL backend when ?backend=webgl asks for it', async () => {
    const webgl = await browser.newPage();
    webgl.on('pageerror', (error) => pageErrors.push(`pageerror (webgl): ${error.message}`));
    try {
      await webgl.goto(`${server.url}?backend=webgl&method=deterministic&epochs=3&gridSize=16`);
      await webgl.waitForFunction(() => window.__playground?.backend !== null, null, {
        timeout: 20_000,
      });
      const loaded = await webgl.evaluate(() => ({ ...window.__playground }));
      if (loaded.backend !== 'webgl') {
        // No WebGL at all in this browser (not even emulated): the page must say so.
        expect(loaded.backendNote).toContain('WebGL is not available');
        return;
      }
      expect(loaded.backendNote).toMatch(/^WebGL \d/);
      await webgl.click('#train');
      await webgl.waitForFunction(() => window.__playground.runs >= 1, null, { timeout: 30_000 });
      const after = await webgl.evaluate(() => JSON.parse(JSON.stringify(window.__playground)));
      expect(after.status).toBe('done');
      expect(after.last.backend).toBe('webgl');
      expect(after.last.result.heldOut.accuracy).toBeGreaterThan(0.7);
    } finally {
      await webgl.close();
    }
  });

  test('segmentation tab: trains a U-Net in its worker and draws the six maps per image', async () => {
    expect(await page.isVisible('#pane-segmentation')).toBe(false);
    await page.click('#tab-segmentation');
    expect(await page.isVisible('#pane-toy')).toBe(false);
    await page.waitForFunction(() => window.__playgroundSegmentation.backend !== null, null, {
      timeout: 30_000,
    });
    // WebAssembly, with the uqjs gradient kernels, is what the tab picks in any Chromium.
    const loaded = await page.evaluate(() => ({ ...window.__playgroundSegmentation }));
    expect(loaded.backend).toBe('wasm');
    expect(await page.textContent('#segmentation-backend')).toContain('Backend: wasm');
    // Before training: the test images and their labels (2 of the 6 columns).
    expect(await page.locator('#segmentation-grid canvas').count()).toBe(3 * 2);
    expect((await canvasSpread('seg-image-0')).std).toBeGreaterThan(3);
    await page.fill('[name="seg-epochs"]', '6');
    await page.click('#segmentation-train');
    await page.waitForFunction(
      () =>
        window.__playgroundSegmentation.runs >= 1 ||
        window.__playgroundSegmentation.status === 'error',
      null,
      { timeout: 90_000 },
    );
    const after = await page.evaluate(() =>
      JSON.parse(JSON.stringify(window.__playgroundSegmentation)),
    );
    expect(after.error).toBeNull();
    expect(after.status).toBe('done');
    const last = after.last;
    expect(last.settings).toMatchObject({ head: 'heteroscedastic', epochs: 6, size: 24 });
    expect(last.epochsDone).toBe(6);
    // The same checks as the Node test of the compute function (test/segmentation.test.ts):
    // scores in range, and the never-seen OOD shape more uncertain than the background.
    for (const value of Object.values(last.scores)) expect(Number.isFinite(value)).toBe(true);
    expect(last.scores.oodAuroc).toBeGreaterThan(0.55);
    expect(last.uncertainty.ood.total).toBeGreaterThan(last.uncertainty.background.total);
    expect(last.maps.total.max).toBeLessThanOrEqual(Math.log(4) + 1e-5);
    // 3 test images x 6 maps, each 24 x 24 pixels, drawn: not blank, not a flat fill.
    const canvases = await page.locator('#segmentation-grid canvas').count();
    expect(canvases).toBe(last.shown * 6);
    for (let row = 0; row < last.shown; row++) {
      for (const map of ['image', 'total', 'aleatoric']) {
        const spread = await canvasSpread(`seg-${map}-${row}`);
        expect(spread.std, `${map} ${row}`).toBeGreaterThan(3);
        expect(spread.colours, `${map} ${row}`).toBeGreaterThan(20);
      }
      // The label map: background, at least one shape and the magenta OOD cross.
      expect((await canvasSpread(`seg-label-${row}`)).colours).toBeGreaterThanOrEqual(3);
    }
    expect(await page.textContent('#segmentation-summary')).toContain('OOD AUROC');
    await page.screenshot({ path: join(REPORTS, 'playground-segmentation.png'), fullPage: true });
    await page.click('#tab-toy');
    expect(await page.isVisible('#pane-segmentation')).toBe(false);
    expect(await page.isVisible('#canvas-probability')).toBe(true);
  });

  test('learned confidence draws its c(x) map as a fifth panel, low where the labels are noisy', async () => {
    const confident = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    confident.on('pageerror', (error) =>
      pageErrors.push(`pageerror (confidence): ${error.message}`),
    );
    try {
      await confident.goto(
        `${server.url}?method=learned-confidence&labelNoise=0.4&epochs=40&gridSize=32&seed=0`,
      );
      await confident.waitForFunction(() => window.__playground?.backend !== null, null, {
        timeout: 20_000,
      });
      // No map before a run.
      expect(await confident.isVisible('#canvas-confidence')).toBe(false);
      await confident.click('#train');
      await confident.waitForFunction(
        () => window.__playground.runs >= 1 || window.__playground.status === 'error',
        null,
        { timeout: 60_000 },
      );
      const after = await confident.evaluate(
        () => JSON.parse(JSON.stringify(window.__playground)) as PlaygroundState,
      );
      expect(after.error).toBeNull();
      const result = after.last!.result!;
      if (result.kind !== 'classification') throw new Error('expected a classification result');
      // The Node test's run (test/methods.test.ts): near 1 at the clean left tip, about 0.57 at
      // the noisy right one; the grid spans both.
      const confidence = result.confidence!;
      expect(confidence.panel.max).toBeGreaterThan(0.95);
      expect(confidence.panel.min).toBeLessThan(0.8);
      expect(confidence.heldOut).toBeLessThan(confidence.panel.max);
      expect(confidence.ood).not.toBeNull();
      // One network: no epistemic part.
      expect(result.panels.epistemic.max).toBeLessThan(1e-6);
      // Five panels in one row at 1280 px, the map drawn (not blank, not flat).
      const boxes = await confident.evaluate(() =>
        ['probability', 'total', 'aleatoric', 'epistemic', 'confidence'].map((name) => {
          const box = document.getElementById(`canvas-${name}`)!.getBoundingClientRect();
          return { top: box.top, left: box.left, right: box.right, width: box.width };
        }),
      );
      for (const box of boxes) {
        expect(box.top).toBeCloseTo(boxes[0]!.top, 0);
        expect(box.width).toBeGreaterThan(120);
        expect(box.right).toBeLessThanOrEqual(1280);
      }
      const spread = await canvasSpread('canvas-confidence', confident);
      expect(spread.std).toBeGreaterThan(10);
      expect(spread.colours).toBeGreaterThan(50);
      expect(await confident.textContent('#summary')).toContain('mean learned confidence');
      await confident.screenshot({ path: join(REPORTS, 'playground-learned-confidence.png') });
    } finally {
      await confident.close();
    }
  });

  test('MIMO, the k-fold ensemble and the rank-1 network train in the worker and draw members that disagree', async () => {
    const methods = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    methods.on('pageerror', (error) => pageErrors.push(`pageerror (methods): ${error.message}`));
    try {
      await methods.goto(`${server.url}?epochs=20&gridSize=24&ensembleSize=3&mcSamples=8`);
      await methods.waitForFunction(() => window.__playground?.backend !== null, null, {
        timeout: 20_000,
      });
      const names = ['mimo', 'kfold', 'rank1'];
      for (const [i, method] of names.entries()) {
        await methods.selectOption('[name="method"]', method);
        expect(await methods.isVisible('[name="ensembleSize"]'), method).toBe(true);
        await methods.click('#train');
        await methods.waitForFunction(
          (n) => window.__playground.runs >= n || window.__playground.status === 'error',
          i + 1,
          { timeout: 60_000 },
        );
        const after = await methods.evaluate(
          () => JSON.parse(JSON.stringify(window.__playground)) as PlaygroundState,
        );
        expect(after.error, method).toBeNull();
        expect(after.last!.settings.method).toBe(method);
        const result = after.last!.result!;
        if (result.kind !== 'classification') throw new Error('expected a classification result');
        // The layers (MimoStack, MimoHead, Rank1BayesianDense) work in the bundle: the model
        // learns, and its members disagree somewhere on the grid, as in test/run.test.ts
        // (seed 0, CPU backend: accuracy 0.97 to 0.99, largest epistemic 0.61 to 0.64 nats).
        expect(result.heldOut.accuracy, method).toBeGreaterThan(0.9);
        expect(result.panels.epistemic.max, method).toBeGreaterThan(0.2);
        expect((await canvasSpread('canvas-epistemic', methods)).std, method).toBeGreaterThan(5);
      }
    } finally {
      await methods.close();
    }
  });

  test('conformal prediction: the set-size panel, the regression interval and their numbers', async () => {
    const conformal = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    conformal.on('pageerror', (error) =>
      pageErrors.push(`pageerror (conformal): ${error.message}`),
    );
    const finished = async (runs: number) => {
      await conformal.waitForFunction(
        (n) => window.__playground.runs >= n || window.__playground.status === 'error',
        runs,
        { timeout: 60_000 },
      );
      const after = await conformal.evaluate(
        () => JSON.parse(JSON.stringify(window.__playground)) as PlaygroundState,
      );
      expect(after.error).toBeNull();
      return after.last!.result!;
    };
    try {
      await conformal.goto(
        `${server.url}?method=deterministic&labelNoise=0.4&epochs=30&gridSize=24&conformal=lac&alpha=0.1&seed=0`,
      );
      await conformal.waitForFunction(() => window.__playground?.backend !== null, null, {
        timeout: 20_000,
      });
      expect(await conformal.isVisible('[name="conformal"]')).toBe(true);
      await conformal.click('#train');
      const sets = await finished(1);
      if (sets.kind !== 'classification') throw new Error('expected a classification result');
      expect(sets.conformal).toMatchObject({ method: 'lac', alpha: 0.1, numClasses: 2 });
      expect(sets.conformal.numCalibration + sets.conformal.numTest).toBe(150);
      // Coverage of the 75 checking points: at least 1 - alpha up to sampling error (SE of
      // the calibration quantile and the test binomial, sqrt(0.09 / 75 + 0.09 / 75) = 0.049).
      expect(sets.conformal.coverage).toBeGreaterThan(0.9 - 4 * 0.049);
      // 90 % coverage takes both classes where the right moon's labels flip (in Node, seed 0:
      // 486 grid points with one class, 90 with two; at alpha = 0.2 none has two).
      expect(sets.conformal.panel.max).toBe(2);
      expect(sets.conformal.panel.min).toBeGreaterThanOrEqual(0);
      expect(await conformal.isVisible('#canvas-conformal')).toBe(true);
      expect((await canvasSpread('canvas-conformal', conformal)).std).toBeGreaterThan(5);
      const row = (await conformal.textContent('#conformal-scores'))!.replace(/\s+/g, ' ');
      expect(row).toContain('conformal sets (LAC, α = 0.1');
      expect(row).toContain(`coverage ${sets.conformal.coverage.toFixed(3)}`);
      expect(row).toContain(`mean set size ${sets.conformal.meanSetSize.toFixed(2)}`);
      expect(await conformal.textContent('#conformal-caption')).toContain('0 to 2 classes');
      await conformal.screenshot({ path: join(REPORTS, 'playground-conformal-sets.png') });

      await conformal.selectOption('[name="dataset"]', 'cubic');
      await conformal.selectOption('[name="method"]', 'heteroscedastic');
      await conformal.fill('[name="epochs"]', '200');
      expect(await conformal.isVisible('[name="conformal"]')).toBe(false);
      await conformal.click('#train');
      const interval = await finished(2);
      if (interval.kind !== 'regression') throw new Error('expected a regression result');
      expect(interval.scores).toMatchObject({ distribution: 'gaussian', count: 200 });
      expect(interval.scores.crps).toBeGreaterThan(0);
      expect(interval.conformal).toMatchObject({ alpha: 0.1, numCalibration: 100, numTest: 100 });
      // 100 checking points: SE sqrt(0.09 / 100 + 0.09 / 100) = 0.042.
      expect(interval.conformal.coverage).toBeGreaterThan(0.9 - 4 * 0.042);
      // The table's text with its line breaks as single spaces.
      const text = (await conformal.textContent('#summary'))!.replace(/\s+/g, ' ');
      expect(text).toContain(`CRPS ${interval.scores.crps.toFixed(2)}`);
      expect(text).toContain(
        `miscalibration area ${interval.scores.miscalibrationArea.toFixed(3)}`,
      );
      expect(text).toContain(`sharpness ${interval.scores.sharpness.toFixed(2)}`);
      expect(text).toContain(`mean ± ${interval.conformal.halfWidth.toFixed(2)}`);
      expect(text).toContain(`coverage ${interval.conformal.coverage.toFixed(3)}`);
      // The band's orange edges, rgb(255 127 14), two lines of width 2 across the panel.
      const orange = await conformal.evaluate(() => {
        const canvas = document.getElementById('canvas-regression') as HTMLCanvasElement;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i]! > 220 && data[i + 1]! > 90 && data[i + 1]! < 165 && data[i + 2]! < 70)
            count++;
        }
        return count;
      });
      expect(orange).toBeGreaterThan(2 * 300);
      await conformal.screenshot({ path: join(REPORTS, 'playground-conformal-interval.png') });
    } finally {
      await conformal.close();
    }
  });

  test('logs no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
