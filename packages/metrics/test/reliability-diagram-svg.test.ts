import { describe, expect, it } from 'vitest';
import { Calibration, ece, reliabilityDiagram, reliabilityDiagramSvg } from '../src/index.js';
import { randomProbs, sampleLabels, tagsBalanced } from './helpers.js';

describe('reliabilityDiagramSvg', () => {
  const probs = randomProbs(31, 300, 4, 3);
  const labels = sampleLabels(32, probs);

  it('renders one accuracy bar and one gap box per non-empty bin, a diagonal and the ECE', () => {
    const diagram = reliabilityDiagram(probs, labels, { bins: 10 });
    const svg = reliabilityDiagramSvg(diagram);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(tagsBalanced(svg)).toBe(true);
    const nonEmpty = diagram.filter((b) => b.count > 0).length;
    const group = (name: string) => svg.split(`<g class="${name}"`)[1]!.split('</g>')[0]!;
    expect(group('accuracy').match(/<rect /g)?.length).toBe(nonEmpty);
    expect(group('gap').match(/<rect /g)?.length).toBe(nonEmpty);
    expect(group('counts').match(/<rect /g)?.length).toBe(nonEmpty);
    expect(svg).toContain('class="diagonal"');
    expect(svg).toContain(`(ECE ${(100 * ece(probs, labels, { bins: 10 })).toFixed(2)}%)`);
    // The tallest count bar fills the histogram; its count labels the axis.
    expect(svg).toContain(`>${Math.max(...diagram.map((b) => b.count))}</text>`);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('bars reach the bin accuracy: a perfect bin spans the plot height', () => {
    const svg = reliabilityDiagramSvg([[1, 0]], [0], { bins: 2, width: 300 });
    // Plot: left 52, top 36, size 300 - 68 = 232; bin (0.5, 1] with accuracy 1 starts at y = 36.
    expect(svg).toContain('<rect x="168" y="36" width="116" height="232"/>');
  });

  it('binning from probs equals binning first; Calibration diagrams work too', () => {
    const opts = { bins: 8, binning: 'equal-mass' as const };
    expect(reliabilityDiagramSvg(probs, labels, opts)).toBe(
      reliabilityDiagramSvg(reliabilityDiagram(probs, labels, opts)),
    );
    const stream = new Calibration({ bins: 8 });
    stream.update(probs, labels);
    expect(reliabilityDiagramSvg(stream.result().diagram)).toBe(
      reliabilityDiagramSvg(probs, labels, { bins: 8 }),
    );
  });

  it('escapes the title and rejects bad diagrams', () => {
    const svg = reliabilityDiagramSvg(probs, labels, { title: 'A <b> & "c"' });
    expect(svg).toContain('<title>A &#60;b&#62; &#38; &#34;c&#34;</title>');
    expect(tagsBalanced(svg)).toBe(true);
    const empty = [{ lower: 0, upper: 1, count: 0, confidence: Number.NaN, accuracy: Number.NaN }];
    expect(() => reliabilityDiagramSvg(empty)).toThrow(
      'reliabilityDiagramSvg: diagram must be bins with at least one example, got 1',
    );
    const bad = [{ lower: 0, upper: 1, count: 2, confidence: 1.5, accuracy: 1 }];
    expect(() => reliabilityDiagramSvg(bad)).toThrow(
      'reliabilityDiagramSvg: diagram[0].confidence must be a number in [0, 1], got 1.5',
    );
    expect(() => reliabilityDiagramSvg(probs, labels, { width: -1 })).toThrow(
      'reliabilityDiagramSvg: opts.width must be a finite number > 0, got -1',
    );
  });
});
