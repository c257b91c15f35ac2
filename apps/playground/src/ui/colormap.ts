/** An RGB colour, each channel in `0..255`. */
export type Rgb = readonly [number, number, number];

/**
 * Anchors of the sequential map for uncertainty: dark violet (none) through blue and teal
 * to yellow (the most), evenly spaced on `[0, 1]`. Perceptually ordered and readable by
 * people with the common colour-vision deficiencies.
 */
const SEQUENTIAL: readonly Rgb[] = [
  [38, 16, 71],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** Class colours: blue, orange, green, red, violet (cycled beyond five classes). */
export const CLASS_COLORS: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
];

/** The class colour of class `k`. */
export function classColor(k: number): Rgb {
  return CLASS_COLORS[k % CLASS_COLORS.length]!;
}

function lerp(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** The sequential colour of `t` in `[0, 1]` (clamped), linear between the anchors. */
export function sequentialColor(t: number): Rgb {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const position = clamped * (SEQUENTIAL.length - 1);
  const lower = Math.min(Math.floor(position), SEQUENTIAL.length - 2);
  return lerp(SEQUENTIAL[lower]!, SEQUENTIAL[lower + 1]!, position - lower);
}

const WHITE: Rgb = [255, 255, 255];

/**
 * The colour of a probability vector `p` (`K` entries from `probs` at `offset`): the
 * probability-weighted mix of the class colours, faded to white as the top probability falls
 * to `1 / K` (`c = (max p - 1/K) / (1 - 1/K)`), so confident regions show their class and the
 * decision boundary is white.
 */
export function probabilityColor(probs: ArrayLike<number>, offset: number, k: number): Rgb {
  let mixed: Rgb = [0, 0, 0];
  let top = 0;
  for (let c = 0; c < k; c++) {
    const p = probs[offset + c]!;
    const color = classColor(c);
    mixed = [mixed[0] + p * color[0], mixed[1] + p * color[1], mixed[2] + p * color[2]];
    top = Math.max(top, p);
  }
  const confidence = Math.min(1, Math.max(0, (top - 1 / k) / (1 - 1 / k)));
  return lerp(WHITE, mixed, confidence);
}

/** A CSS `linear-gradient` of the sequential map, for its colour bar. */
export function sequentialGradientCss(): string {
  const stops = SEQUENTIAL.map(([r, g, b]) => `rgb(${r} ${g} ${b})`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
