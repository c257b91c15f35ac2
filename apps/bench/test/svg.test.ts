import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dotPlot, escapeXml, formatTick, heatmap, linePlot, niceTicks } from '../src/plots/svg.js';

function attributes(svg: string, element: string, name: string): number[] {
  const re = new RegExp(`<${element} [^>]*?${name}="([-\\d.]+)"`, 'g');
  return [...svg.matchAll(re)].map((m) => Number(m[1]));
}

describe('svg helpers', () => {
  it('niceTicks are round steps covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.71, 0.93)).toEqual([0.75, 0.8, 0.85, 0.9]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it('formatTick and escapeXml', () => {
    expect([0, 0.01, 0.3, 10, 100, 12345, 0.0001].map(formatTick)).toEqual([
      '0',
      '0.01',
      '0.3',
      '10',
      '100',
      '1e+4',
      '1e-4',
    ]);
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
  });

  it('linePlot puts log-spaced x values at equal distances, and lower y lower', () => {
    const svg = linePlot({
      title: 'NLL <vs> tau',
      xLabel: 'tau',
      yLabel: 'NLL',
      xLog: true,
      series: [
        {
          name: 'hetero',
          points: [0.1, 1, 10, 100].map((x, i) => ({ x, y: 1 - 0.1 * i, err: 0.01 })),
        },
      ],
      references: [{ name: 'homo', y: 0.8, err: 0.02 }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('NLL &lt;vs&gt; tau');
    const cx = attributes(svg, 'circle', 'cx');
    const cy = attributes(svg, 'circle', 'cy');
    expect(cx).toHaveLength(4);
    const gaps = cx.slice(1).map((x, i) => x - cx[i]!);
    for (const gap of gaps) expect(gap).toBeCloseTo(gaps[0]!, 6);
    // SVG y grows downwards: decreasing values sit lower on the page, i.e. at larger y.
    for (let i = 1; i < cy.length; i++) expect(cy[i]!).toBeGreaterThan(cy[i - 1]!);
  });

  it('dotPlot draws one dot per value and a zero line', () => {
    const svg = dotPlot({
      title: 'differences',
      xLabel: 'nats',
      rows: [
        { label: 'a vs b', values: [-0.02, -0.01, 0.005] },
        { label: 'c vs d', values: [0.01] },
      ],
    });
    expect(attributes(svg, 'circle', 'cx')).toHaveLength(4);
    expect(svg).toContain('stroke-dasharray="4 3"');
  });

  it('heatmap draws n x n cells (one image) and the overlays', () => {
    const svg = heatmap({
      title: 'entropy',
      values: [0, 0.2, 0.4, 0.6],
      n: 2,
      xRange: [0, 1],
      yRange: [0, 1],
      max: Math.log(2),
      valueLabel: 'nats',
      overlays: [{ name: 'OOD', points: [[0.5, 0.5]], color: '#D55E00' }],
    });
    // The 4 cells are pixels of one image; rects: 50 color-bar steps, the background, the frame.
    expect(svg.match(/<image /g)).toHaveLength(1);
    expect(svg.match(/<rect /g)).toHaveLength(50 + 1 + 1);
    expect(svg.match(/<circle /g)).toHaveLength(2); // the point and its legend swatch
  });
});

describe('tick and axis code terminates on any finite range', () => {
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

  it('niceTicks(0.8, 0.8000000000000002) returns (it used to loop forever)', () => {
    // In a child process with a time limit, so a regression fails instead of hanging the suite.
    const svgModule = new URL('../dist/plots/svg.js', import.meta.url).href;
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { niceTicks } from '${svgModule}'; process.stdout.write(JSON.stringify(niceTicks(0.8, 0.8000000000000002)));`,
      ],
      { timeout: 20_000, encoding: 'utf8' },
    );
    expect(child.signal).toBeNull(); // not killed by the time limit
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([0.8]);
    expect(niceTicks(0.8, 0.8000000000000002)).toEqual([0.8]);
    // The same one ulp apart far from zero, where a float index stops counting.
    expect(niceTicks(1e17, 1e17 + 16).length).toBeGreaterThan(0);
  });

  it('niceTicks: any finite lo <= hi gives a few ascending finite ticks', () => {
    fc.assert(
      fc.property(finite, finite, fc.integer({ min: 1, max: 12 }), (a, b, count) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(lo, hi, count);
        expect(ticks.length).toBeGreaterThan(0);
        expect(ticks.length).toBeLessThanOrEqual(count + 3);
        for (const t of ticks) expect(Number.isFinite(t)).toBe(true);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
      }),
      { numRuns: 2000 },
    );
  });

  it('niceTicks: ticks of an ordinary range are round and inside it', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        // Wider than 1e-6 of |lo|: ticks are written with 12 significant digits.
        fc.double({ min: 1e-6, max: 1e3, noNaN: true }),
        (lo, relative) => {
          const width = relative * Math.max(1, Math.abs(lo));
          const hi = lo + width;
          fc.pre(hi > lo);
          const ticks = niceTicks(lo, hi);
          const slack = width * 1e-6;
          for (const t of ticks) {
            expect(t).toBeGreaterThanOrEqual(lo - slack);
            expect(t).toBeLessThanOrEqual(hi + slack);
          }
          expect(ticks.length).toBeGreaterThanOrEqual(2);
        },
      ),
      { numRuns: 1000 },
    );
  });

  const magnitude = fc.double({ min: -1e12, max: 1e12, noNaN: true });

  it('linePlot and dotPlot draw any finite values without NaN coordinates', () => {
    fc.assert(
      fc.property(fc.array(magnitude, { minLength: 1, maxLength: 6 }), fc.boolean(), (ys, xLog) => {
        const svg = linePlot({
          title: 't',
          xLabel: 'x',
          yLabel: 'y',
          xLog,
          series: [{ name: 's', points: ys.map((y, i) => ({ x: 10 ** i, y, err: 0 })) }],
        });
        expect(svg).toMatch(/<\/svg>\s*$/);
        expect(svg).not.toContain('NaN');
        const dots = dotPlot({ title: 't', xLabel: 'x', rows: [{ label: 'r', values: ys }] });
        expect(dots).toMatch(/<\/svg>\s*$/);
        expect(dots).not.toContain('NaN');
      }),
      { numRuns: 500 },
    );
  });
});
