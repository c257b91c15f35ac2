// Plots of the report: the rasterized entropy surface (size, axes, OOD cluster, the PNG's
// pixels), the legends of error bars and bands, and the baselines in the temperature plots.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { summarize } from '../src/analysis.js';
import type { Grid, Protocol } from '../src/config.js';
import type { Cell } from '../src/grid.js';
import { makeFigures } from '../src/plots/figures.js';
import { encodePng } from '../src/plots/png.js';
import { heatmap, linePlot, rampRgb } from '../src/plots/svg.js';
import { presetDefaults } from '../src/presets.js';
import { renderTables } from '../src/report.js';
import { markdownForTerminal } from '../src/terminal-table.js';
import { fakeRecord } from './fixtures.js';

/** Decodes an 8-bit RGB, filter-0 PNG as `encodePng` writes it. */
function decodePng(png: Buffer): { width: number; height: number; rgb: Uint8Array } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  let width = 0;
  let height = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect([...body.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    }
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const rgb = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    expect(raw[row * (1 + 3 * width)]).toBe(0);
    rgb.set(raw.subarray(row * (1 + 3 * width) + 1, (row + 1) * (1 + 3 * width)), row * width * 3);
  }
  return { width, height, rgb };
}

function surface(n: number) {
  // A deterministic, non-constant surface: entropy from 0 to log 2 in rings.
  const values = Array.from({ length: n * n }, (_, i) => {
    const x = (i % n) / n - 0.5;
    const y = Math.floor(i / n) / n - 0.5;
    return Math.log(2) * (0.5 + 0.5 * Math.sin(12 * Math.hypot(x, y)));
  });
  const points = (count: number, cx: number, cy: number) =>
    Array.from(
      { length: count },
      (_, i) => [cx + 0.3 * Math.cos(i), cy + 0.3 * Math.sin(1.7 * i)] as const,
    );
  return heatmap({
    title: 'surface',
    values,
    n,
    xRange: [-2, 3],
    yRange: [-1.5, 2],
    max: Math.log(2),
    valueLabel: 'entropy (nats)',
    xLabel: 'x1',
    yLabel: 'x2',
    overlays: [
      { name: 'class 0', points: points(150, 0, 0.5), color: '#E69F00' },
      { name: 'class 1', points: points(150, 1, 0), color: '#009E73' },
      {
        name: 'OOD cluster',
        points: points(100, 2.5, 1.5),
        color: '#D55E00',
        marker: 'cross',
        outline: true,
      },
    ],
  });
}

describe('encodePng', () => {
  it('round-trips pixels through a PNG decoder', () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const decoded = decodePng(encodePng(5, 3, rgb));
    expect(decoded).toEqual({ width: 5, height: 3, rgb });
    expect(() => encodePng(2, 2, new Uint8Array(11))).toThrow('encodePng: rgb must hold 12 bytes');
  });
});

describe('heatmap', () => {
  it('a 100 x 100 surface with 400 points stays under 100 KB', () => {
    const svg = surface(100);
    expect(Buffer.byteLength(svg)).toBeLessThan(100_000);
    // One image, not a rect per cell.
    expect(svg.match(/<image /g)).toHaveLength(1);
    expect((svg.match(/<rect /g) ?? []).length).toBeLessThan(60);
  });

  it('embeds the values as pixels, row 0 at the bottom', () => {
    const n = 20;
    const svg = surface(n);
    const base64 = /href="data:image\/png;base64,([^"]+)"/.exec(svg)?.[1] ?? '';
    const { width, height, rgb } = decodePng(Buffer.from(base64, 'base64'));
    expect([width, height]).toEqual([n, n]);
    const values = Array.from({ length: n * n }, (_, i) => {
      const x = (i % n) / n - 0.5;
      const y = Math.floor(i / n) / n - 0.5;
      return Math.log(2) * (0.5 + 0.5 * Math.sin(12 * Math.hypot(x, y)));
    });
    for (const [row, col] of [
      [0, 0],
      [0, n - 1],
      [7, 3],
      [n - 1, n - 1],
    ] as const) {
      const pixel = ((n - 1 - row) * n + col) * 3; // image rows run from the top
      expect([...rgb.subarray(pixel, pixel + 3)]).toEqual(
        rampRgb((values[row * n + col] as number) / Math.log(2)),
      );
    }
  });

  it('has axes with ticks and labels, and the OOD cluster outlined and named', () => {
    const svg = surface(30);
    for (const tick of ['>-2<', '>0<', '>2<', '>-1<', '>1<']) expect(svg).toContain(tick);
    expect(svg).toContain('>x1</text>');
    expect(svg).toContain('>x2</text>');
    expect(svg).toMatch(/<circle [^>]*fill="none" stroke="#D55E00"[^>]*stroke-dasharray/);
    expect(svg.match(/>OOD cluster<\/text>/g)).toHaveLength(2); // on the plot and in the legend
    expect(svg.match(/stroke="#D55E00" stroke-width="1.4"/g)).toHaveLength(100); // crosses
  });
});

describe('linePlot legend', () => {
  const series = [
    {
      name: 'heteroscedastic',
      points: [
        { x: 1, y: 0.5, err: 0.1 },
        { x: 10, y: 0.4, err: 0.05 },
      ],
    },
  ];

  it('names the error bars and the band', () => {
    const svg = linePlot({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      xLog: true,
      series,
      references: [
        { name: 'homoscedastic', y: 0.45, err: 0.02 },
        { name: 'sngp', y: 0.47 },
      ],
    });
    expect(svg).toContain('>bars: mean ± sd over seeds</text>');
    // The band's label wraps onto two lines of the legend.
    expect(svg).toContain('>homoscedastic band: mean ± sd</text>');
    expect(svg).toContain('>over seeds</text>');
    expect(svg).not.toContain('sngp band');
    expect(svg).toContain('>sngp</text>');
  });

  it('without error bars or bands, says nothing about them', () => {
    const svg = linePlot({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 'a',
          points: [
            { x: 1, y: 1 },
            { x: 2, y: 2 },
          ],
        },
      ],
      references: [{ name: 'b', y: 1.5 }],
    });
    expect(svg).not.toContain('mean ± sd');
  });
});

describe('report figures and comparisons', () => {
  const protocol: Protocol = presetDefaults('quick', 'moons').protocol;
  const grid: Grid = {
    methods: [
      'homoscedastic',
      'heteroscedastic',
      'tempered-softmax',
      'sngp',
      'mc-dropout',
      'ensemble',
    ],
    temperatures: [1, 10],
    trainSamples: [100],
    seeds: [0, 1, 2],
  };
  const cell = (method: Cell['method'], temperature: number | null, seed: number): Cell => ({
    method,
    temperature,
    trainSamples: method === 'heteroscedastic' ? 100 : null,
    seed,
  });
  /** tempered-softmax is best at tau=1 (= homoscedastic) when `temperedAtTen` is worse. */
  const records = (temperedAtTen: number) =>
    grid.seeds.flatMap((seed) => [
      fakeRecord(cell('homoscedastic', null, seed), 0.5 + 0.01 * seed),
      fakeRecord(cell('heteroscedastic', 1, seed), 0.45 + 0.01 * seed),
      fakeRecord(cell('heteroscedastic', 10, seed), 0.4 + 0.02 * seed),
      fakeRecord(cell('tempered-softmax', 10, seed), temperedAtTen + 0.01 * seed),
      fakeRecord(cell('sngp', null, seed), 0.47 + 0.005 * seed),
      fakeRecord(cell('mc-dropout', null, seed), 0.48 - 0.01 * seed),
      fakeRecord(cell('ensemble', null, seed), 0.46 + 0.003 * seed),
    ]);

  it('draws SNGP, MC dropout and the ensemble as reference lines in the temperature plots', () => {
    const all = records(0.44);
    const figures = makeFigures(summarize(all, protocol, grid), all);
    const nll = figures.find((f) => f.file === 'nll-vs-temperature-S100.svg');
    expect(nll).toBeDefined();
    for (const name of ['homoscedastic', 'sngp', 'mc-dropout', 'ensemble']) {
      expect(nll?.svg).toContain(`>${name}</text>`);
    }
    // Dashed lines at the means: sngp's mean test NLL over the seeds is 0.475.
    expect((nll?.svg.match(/stroke-dasharray="6 4"/g) ?? []).length).toBeGreaterThanOrEqual(2 * 4);
  });

  it('the printed tables fit 80 columns on a terminal (Markdown in the report)', () => {
    const all = records(0.44);
    const markdown = renderTables(summarize(all, protocol, grid));
    expect(markdown.some((line) => line.length > 80)).toBe(true); // the Markdown is wide
    const text = markdownForTerminal(markdown, 80);
    for (const line of text) expect([...line].length).toBeLessThanOrEqual(80);
    expect(text.some((line) => line.startsWith('|'))).toBe(false);
    // Every arm of Table 1 and every comparison is still there.
    for (const name of ['homoscedastic', 'sngp', 'mc-dropout', 'ensemble']) {
      expect(text.join('\n')).toContain(name);
    }
    expect(text.join('\n')).toContain('heteroscedastic at tau*=10 vs homoscedastic');
  });

  it('omits "vs tempered-softmax at tau*=1" when it repeats "vs homoscedastic"', () => {
    const atOne = summarize(records(0.9), protocol, grid);
    expect(atOne.selections.find((s) => s.method === 'tempered-softmax')?.tauStar).toBe(1);
    const names = atOne.comparisons.map((c) => c.name);
    expect(names).toContain('heteroscedastic at tau*=10 vs homoscedastic');
    expect(names.some((n) => n.includes('vs tempered-softmax'))).toBe(false);
    // At tau*=10 the control is a different model and is compared.
    const atTen = summarize(records(0.44), protocol, grid);
    expect(atTen.comparisons.map((c) => c.name)).toContain(
      'heteroscedastic at tau*=10 vs tempered-softmax at tau*=10',
    );
  });
});
