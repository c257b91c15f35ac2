import {
  checkBoolean,
  checkInteger,
  checkPositiveInteger,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  Rng,
} from '@uqjs/core';
import { checkOptions } from './options.js';
import { SEGMENTATION_IGNORE_LABEL, type SegmentationSet } from './segmentation-set.js';

/**
 * Options of {@link makeSegmentationShapes}.
 *
 * @since 0.1.0
 */
export interface SegmentationShapesOptions {
  /** `N`, the number of images, `>= 1`. */
  readonly numImages: number;
  /** `H = W`, the side of each image in pixels, an integer in `[8, 1024]`. Default `32`. */
  readonly size?: number;
  /** Seed of everything random (required). */
  readonly seed: number;
  /**
   * When `true`, each image also holds one object of the held-out OOD class (a cross), drawn
   * on top of the others: its pixels have `oodMask` 1 and label 255 in `masks` and
   * `cleanMasks`. Default `false` (`oodMask` is `null`).
   */
  readonly ood?: boolean;
  /** `A`, how many simulated annotators label each image, an integer in `[1, 64]`. Default `1`. */
  readonly numAnnotators?: number;
}

/**
 * What {@link makeSegmentationShapes} returns: a {@link SegmentationSet} whose `masks` are
 * noisy annotations, with the true geometry and the noise level beside them.
 *
 * @since 0.1.0
 */
export interface SegmentationShapes extends SegmentationSet {
  /** `[N, H, W]` the true class of each pixel (the centre of the pixel inside the shape); 255 on OOD pixels. */
  readonly cleanMasks: Uint8Array;
  /**
   * `[N, H, W]` the probability that an annotator's label of the pixel differs from
   * `cleanMasks` (the flip probability every annotator used there); 0 on OOD pixels.
   */
  readonly disagreement: Float32Array;
  /** `[A, N, H, W]` every annotator's labels; `masks[n]` is `annotations[annotatorOf[n], n]`. */
  readonly annotations: Uint8Array;
  /** `[N]` the annotator whose labels are `masks[n]`, drawn uniformly from `0..A-1`. */
  readonly annotatorOf: Int32Array;
}

/** The class names of {@link makeSegmentationShapes}, class id order. */
const CLASS_NAMES = ['background', 'disc', 'square', 'triangle'] as const;
const NUM_CLASSES = CLASS_NAMES.length;
const CHANNELS = 3;

// Annotation noise (see the JSDoc of makeSegmentationShapes for the formula).
/** Flip probability of every annotated pixel (not of background beyond EDGE_REACH of an object). */
const BASE_FLIP = 0.01;
/** Flip probability added at a clearly visible edge (boundary contrast >= VISIBLE_CONTRAST)... */
const EDGE_FLIP = 0.15;
/** ...and the extra added as the boundary's contrast falls to 0. */
const FAINT_EDGE_FLIP = 0.25;
/** Flip probability added inside an object whose contrast falls to 0. */
const LOW_CONTRAST_FLIP = 0.3;
/** Contrast (mean absolute RGB difference) at and above which an edge counts as clearly visible. */
const VISIBLE_CONTRAST = 0.2;
/** No pixel is flipped with probability above this, so the clean label stays the most likely. */
const MAX_FLIP = 0.45;
/** Pixels: the edge term falls linearly from its full value at 1 pixel to 0 at this distance. */
const EDGE_REACH = 4;
/** Pixels between the nodes of an annotator's smooth random field. */
const FIELD_SPACING = 4;

/** A drawn object: its class, signed distance function and colours. */
interface Shape {
  /** Class id, or 255 for the OOD cross. */
  readonly label: number;
  /** Signed distance in pixels from the point `(x, y)` to the outline (negative inside). */
  readonly sdf: (x: number, y: number) => number;
  /** Centre and the radius of a disc that holds the shape. */
  readonly cx: number;
  readonly cy: number;
  readonly extent: number;
  /** Base RGB colour. */
  readonly colour: readonly [number, number, number];
  /** Mean absolute RGB difference between `colour` and the background's base colour. */
  readonly contrast: number;
  readonly texture: Stripes;
}

/** A sinusoidal texture: `amplitude * sin(2 pi (x cos t + y sin t) / period + phase)`. */
interface Stripes {
  readonly amplitude: number;
  readonly cos: number;
  readonly sin: number;
  readonly period: number;
  readonly phase: number;
}

function drawStripes(rng: Rng, minAmp: number, maxAmp: number, size: number): Stripes {
  const angle = Math.PI * rng.uniform();
  return {
    amplitude: minAmp + (maxAmp - minAmp) * rng.uniform(),
    cos: Math.cos(angle),
    sin: Math.sin(angle),
    period: size / (1.5 + 3 * rng.uniform()),
    phase: 2 * Math.PI * rng.uniform(),
  };
}

function stripe(s: Stripes, x: number, y: number): number {
  return s.amplitude * Math.sin((2 * Math.PI * (x * s.cos + y * s.sin)) / s.period + s.phase);
}

/** Distance from `(px, py)` to the segment `(ax, ay)-(bx, by)`. */
function segmentDistance(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/**
 * The signed distance function of a simple polygon `[x0, y0, x1, y1, ...]`: the distance to
 * the nearest edge, negative inside (even-odd crossing rule).
 */
function polygonSdf(vertices: readonly number[]): (x: number, y: number) => number {
  const n = vertices.length / 2;
  return (x, y) => {
    let best = Number.POSITIVE_INFINITY;
    let inside = false;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const ax = vertices[2 * j]!;
      const ay = vertices[2 * j + 1]!;
      const bx = vertices[2 * i]!;
      const by = vertices[2 * i + 1]!;
      best = Math.min(best, segmentDistance(x, y, ax, ay, bx, by));
      if (ay > y !== by > y && x < ax + ((y - ay) * (bx - ax)) / (by - ay)) inside = !inside;
    }
    return inside ? -best : best;
  };
}

/** Polygon vertices: the points `(u, v)` rotated by `angle` and moved to `(cx, cy)`. */
function place(points: readonly number[], cx: number, cy: number, angle: number): number[] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const out: number[] = [];
  for (let i = 0; i < points.length; i += 2) {
    const u = points[i]!;
    const v = points[i + 1]!;
    out.push(cx + c * u - s * v, cy + s * u + c * v);
  }
  return out;
}

/** The outline of a shape of class `label` (1 disc, 2 square, 3 triangle, 255 cross) of radius `r`. */
function outline(
  label: number,
  cx: number,
  cy: number,
  r: number,
  angle: number,
): (x: number, y: number) => number {
  if (label === 1) return (x, y) => Math.hypot(x - cx, y - cy) - r;
  if (label === 2) {
    const h = 0.85 * r; // half side: a square of about the disc's area
    return polygonSdf(place([-h, -h, h, -h, h, h, -h, h], cx, cy, angle));
  }
  if (label === 3) {
    const points: number[] = []; // equilateral, circumradius 1.25 r
    for (let k = 0; k < 3; k++) {
      const a = (2 * Math.PI * k) / 3;
      points.push(1.25 * r * Math.cos(a), 1.25 * r * Math.sin(a));
    }
    return polygonSdf(place(points, cx, cy, angle));
  }
  const a = r; // cross: arms of half length r and half width 0.3 r
  const b = 0.3 * r;
  return polygonSdf(
    place(
      [-b, -a, b, -a, b, -b, a, -b, a, b, b, b, b, a, -b, a, -b, b, -a, b, -a, -b, -b, -b],
      cx,
      cy,
      angle,
    ),
  );
}

/**
 * Draws one object: position, radius, rotation, contrast (low, `[0.02, 0.08]`, with
 * probability 0.3, else `[0.2, 0.45]`; `highContrast` forces the high range) and a colour
 * that far from the background colour.
 */
function drawShape(
  rng: Rng,
  label: number,
  size: number,
  background: readonly number[],
  highContrast: boolean,
): Shape {
  // At least 2 pixels (3.5 for the cross, whose arms are 0.6 r wide) so that small images
  // still show every object.
  const minRadius = label === SEGMENTATION_IGNORE_LABEL ? 3.5 : 2;
  const r = Math.max(minRadius, size * (0.1 + 0.14 * rng.uniform()));
  const cx = 0.6 * r + (size - 1.2 * r) * rng.uniform();
  const cy = 0.6 * r + (size - 1.2 * r) * rng.uniform();
  const angle = 2 * Math.PI * rng.uniform();
  const low = !highContrast && rng.uniform() < 0.3;
  const target = low ? 0.02 + 0.06 * rng.uniform() : 0.2 + 0.25 * rng.uniform();
  const colour = [0, 0, 0] as [number, number, number];
  let contrast = 0;
  for (let c = 0; c < CHANNELS; c++) {
    const bg = background[c]!;
    let step = target * (0.5 + rng.uniform()) * (rng.uniform() < 0.5 ? -1 : 1);
    if (bg + step < 0 || bg + step > 1) step = -step;
    const value = Math.min(1, Math.max(0, bg + step));
    colour[c] = value;
    contrast += Math.abs(value - bg) / CHANNELS;
  }
  return {
    label,
    sdf: outline(label, cx, cy, r, angle),
    cx,
    cy,
    extent: 1.25 * r,
    colour,
    contrast,
    texture: drawStripes(rng, 0, 0.03, size),
  };
}

/** The standard normal CDF, from the erfc approximation 7.1.26 of Abramowitz and Stegun (abs. error < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/**
 * A smooth random field on `[size, size]` pixels with uniform `[0, 1)` marginals: iid normals
 * on a grid of nodes `FIELD_SPACING` pixels apart, interpolated bilinearly and divided by the
 * root of the sum of the squared weights (so each pixel's value is exactly standard normal),
 * then mapped through the normal CDF. Neighbouring pixels get close values, so an annotator's
 * errors come in blobs (a shifted stretch of outline), not as salt and pepper.
 */
function uniformField(rng: Rng, size: number): Float64Array {
  const nodes = Math.floor((size - 1) / FIELD_SPACING) + 2;
  const grid = new Float64Array(nodes * nodes);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.normal();
  const field = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    const gy = y / FIELD_SPACING;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < size; x++) {
      const gx = x / FIELD_SPACING;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const z =
        w00 * grid[y0 * nodes + x0]! +
        w10 * grid[y0 * nodes + x0 + 1]! +
        w01 * grid[(y0 + 1) * nodes + x0]! +
        w11 * grid[(y0 + 1) * nodes + x0 + 1]!;
      field[y * size + x] = normalCdf(z / Math.sqrt(w00 * w00 + w10 * w10 + w01 * w01 + w11 * w11));
    }
  }
  return field;
}

/** Offsets `(dx, dy)` within `EDGE_REACH` pixels, nearest first (the centre excluded), with their distances. */
const NEIGHBOURS: readonly { dx: number; dy: number; d: number }[] = (() => {
  const out: { dx: number; dy: number; d: number }[] = [];
  for (let dy = -EDGE_REACH; dy <= EDGE_REACH; dy++) {
    for (let dx = -EDGE_REACH; dx <= EDGE_REACH; dx++) {
      const d = Math.hypot(dx, dy);
      if (d > 0 && d <= EDGE_REACH) out.push({ dx, dy, d });
    }
  }
  return out.sort((a, b) => a.d - b.d);
})();

/** What one rendered image holds: the owner of each pixel (object index, -1 background), the objects, the background colour. */
interface Scene {
  readonly owner: Int32Array;
  readonly shapes: readonly Shape[];
  readonly background: readonly number[];
}

/** Renders image `n` into `images` at `offset` and returns what it drew. */
function renderScene(
  seed: number,
  n: number,
  size: number,
  ood: boolean,
  images: Float32Array,
  offset: number,
): Scene {
  const rng = new Rng(deriveSeed(seed, 'segmentation-shapes', 'scene', n));
  const background = [0, 0, 0].map(() => 0.25 + 0.5 * rng.uniform());
  const bgTexture = drawStripes(rng, 0.03, 0.08, size);
  const shapes: Shape[] = [];
  const count = 1 + rng.int(3);
  for (let i = 0; i < count; i++) {
    shapes.push(drawShape(rng, 1 + rng.int(NUM_CLASSES - 1), size, background, false));
  }
  if (ood) {
    // Its own stream, so the in-distribution objects and the noise are those of `ood: false`.
    const oodRng = new Rng(deriveSeed(seed, 'segmentation-shapes', 'ood', n));
    shapes.push(drawShape(oodRng, SEGMENTATION_IGNORE_LABEL, size, background, true));
  }
  const pixels = size * size;
  const rgb = new Float64Array(pixels * CHANNELS);
  const owner = new Int32Array(pixels).fill(-1);
  for (let p = 0; p < pixels; p++) {
    const t = stripe(bgTexture, (p % size) + 0.5, Math.floor(p / size) + 0.5);
    for (let c = 0; c < CHANNELS; c++) rgb[p * CHANNELS + c] = background[c]! + t;
  }
  // Painter's order: later objects cover earlier ones. Colour is blended over the one pixel
  // wide band where the signed distance at the pixel centre is in [-0.5, 0.5] (anti-aliasing).
  shapes.forEach((shape, index) => {
    const lo = (v: number) => Math.max(0, Math.floor(v - shape.extent - 1));
    const hi = (v: number) => Math.min(size - 1, Math.ceil(v + shape.extent + 1));
    for (let y = lo(shape.cy); y <= hi(shape.cy); y++) {
      for (let x = lo(shape.cx); x <= hi(shape.cx); x++) {
        const d = shape.sdf(x + 0.5, y + 0.5);
        const alpha = Math.min(1, Math.max(0, 0.5 - d));
        if (alpha === 0) continue;
        const p = y * size + x;
        const t = stripe(shape.texture, x + 0.5, y + 0.5);
        for (let c = 0; c < CHANNELS; c++) {
          const i = p * CHANNELS + c;
          rgb[i] = alpha * (shape.colour[c]! + t) + (1 - alpha) * rgb[i]!;
        }
        if (d < 0) owner[p] = index;
      }
    }
  });
  for (let i = 0; i < rgb.length; i++) {
    images[offset + i] = Math.min(1, Math.max(0, rgb[i]! + 0.025 * rng.normal()));
  }
  return { owner, shapes, background };
}

/**
 * A procedural segmentation set with input-dependent label noise, running offline: discs,
 * squares and triangles (classes 1-3; class 0 is the background) on textured backgrounds,
 * labelled by simulated annotators who err near boundaries and on low-contrast objects.
 *
 * **Images** `[N, H, W, 3]`, RGB in `[0, 1]`: a background of a random colour (each channel
 * in `[0.25, 0.75]`) with sinusoidal stripes (amplitude `[0.03, 0.08]`, random period and
 * direction); 1 to 3 objects of random classes, positions, radii (`[0.1, 0.24] * size`, at
 * least 2 pixels; 3.5 for the cross) and rotations, painted in order (later ones cover earlier
 * ones) with anti-aliased edges and faint stripes of their own; a contrast per object (the mean
 * absolute RGB difference to the background colour), low (`[0.02, 0.08]`, about the stripes'
 * size) with probability 0.3, else `[0.2, 0.45]`; Gaussian pixel noise (sd 0.025). With
 * `ood: true` a cross of the held-out OOD
 * class (always high contrast) is painted last.
 *
 * **Labels.** `cleanMasks[n, h, w]` is the class of the top object whose outline holds the
 * pixel's centre (0 if none; 255 for the cross). Each annotator flips a pixel with probability
 * `disagreement = min(0.45, 0.01 + edge + low)`, where, with `d` the distance in pixels to
 * the nearest pixel of another class (the cross's pixels not counted) and `c_b` that
 * boundary's contrast (between the two regions' colours), `edge = max(0, (4 - d) / 3) *
 * (0.15 + 0.25 * (1 - min(1, c_b / 0.2)))` (0 when `d > 4`), and, inside an object of contrast
 * `c`, `low = 0.3 * (1 - min(1, c / 0.2))` (0 on the background). A flipped pixel takes the
 * class of that nearest other-class pixel (the outline drawn a little off); beyond 4 pixels of
 * any other class, an object pixel becomes background (a missed faint object), and a
 * background pixel is never flipped (`disagreement` 0: nothing to confuse it with). The flips of
 * one annotator are coherent in space: pixel `p` flips when `u(p) < disagreement(p)`, with
 * `u` a smooth random field with uniform marginals (a fresh one per annotator and image), so
 * each pixel flips with exactly its probability but errors come in blobs. `masks[n]` is the
 * labelling of one annotator drawn per image (`annotatorOf[n]`); all are in `annotations`.
 * Cross pixels are 255 in every mask and 1 in `oodMask`.
 *
 * Image `n` depends only on `seed` and `n` (not on `numImages`), and its in-distribution
 * objects and pixel noise are the same with `ood: true` and `ood: false`.
 *
 * @example
 * ```ts
 * const train = makeSegmentationShapes({ numImages: 512, seed: 0 });
 * const test = makeSegmentationShapes({ numImages: 128, seed: 1, ood: true });
 * train.shape; // [512, 32, 32, 3]
 * test.oodMask; // Uint8Array [128 * 32 * 32], 1 on the crosses
 * ```
 * @throws InvalidArgumentError naming the option when `numImages`, `size`, `seed`, `ood` or
 *   `numAnnotators` is missing or out of range.
 * @since 0.1.0
 */
export function makeSegmentationShapes(opts: SegmentationShapesOptions): SegmentationShapes {
  const fn = 'makeSegmentationShapes';
  if (opts === undefined) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts',
      expected: 'an options object with numImages and seed',
      given: opts,
    });
  }
  const options = checkOptions(opts, 'opts', fn);
  const numImages = checkPositiveInteger(options.numImages, 'numImages', fn);
  const size = checkInteger(options.size ?? 32, 'size', fn, 8);
  if (size > 1024) {
    throw new InvalidArgumentError({ fn, argument: 'size', expected: 'at most 1024', given: size });
  }
  const seed = checkSeed(options.seed, 'seed', fn);
  const ood = checkBoolean(options.ood ?? false, 'ood', fn);
  const numAnnotators = checkPositiveInteger(options.numAnnotators ?? 1, 'numAnnotators', fn);
  if (numAnnotators > 64) {
    throw new InvalidArgumentError({
      fn,
      argument: 'numAnnotators',
      expected: 'at most 64',
      given: numAnnotators,
    });
  }

  const pixels = size * size;
  const total = numImages * pixels;
  // Bytes per pixel: float32 RGB, the clean and the returned mask, the OOD mask, the float32
  // disagreement and one label per annotator.
  const bytesPerImage = pixels * (CHANNELS * 4 + 3 + 4 + numAnnotators);
  if (numImages * bytesPerImage > 2 ** 32) {
    throw new InvalidArgumentError({
      fn,
      argument: 'numImages',
      expected: `at most ${Math.floor(2 ** 32 / bytesPerImage)} images of ${size}x${size} with ${numAnnotators} annotator(s) (4 GiB in all)`,
      given: numImages,
    });
  }
  const images = new Float32Array(total * CHANNELS);
  const cleanMasks = new Uint8Array(total);
  const disagreement = new Float32Array(total);
  const annotations = new Uint8Array(numAnnotators * total);
  const masks = new Uint8Array(total);
  const oodMask = ood ? new Uint8Array(total) : null;
  const annotatorOf = new Int32Array(numImages);
  // Per pixel of one image: the nearest other-class label within EDGE_REACH, or -1.
  const nearest = new Int32Array(pixels);

  for (let n = 0; n < numImages; n++) {
    const base = n * pixels;
    const { owner, shapes, background } = renderScene(seed, n, size, ood, images, base * CHANNELS);
    const labelAt = (p: number) => (owner[p]! < 0 ? 0 : shapes[owner[p]!]!.label);
    const colourOf = (o: number) => (o < 0 ? background : shapes[o]!.colour);
    for (let p = 0; p < pixels; p++) {
      const label = labelAt(p);
      cleanMasks[base + p] = label;
      if (oodMask) oodMask[base + p] = label === SEGMENTATION_IGNORE_LABEL ? 1 : 0;
    }
    for (let p = 0; p < pixels; p++) {
      const label = cleanMasks[base + p]!;
      nearest[p] = -1;
      if (label === SEGMENTATION_IGNORE_LABEL) continue; // OOD pixels are not annotated
      const x = p % size;
      const y = (p - x) / size;
      let edge = 0;
      for (const { dx, dy, d } of NEIGHBOURS) {
        const qx = x + dx;
        const qy = y + dy;
        if (qx < 0 || qy < 0 || qx >= size || qy >= size) continue;
        const q = qy * size + qx;
        const other = cleanMasks[base + q]!;
        if (other === label || other === SEGMENTATION_IGNORE_LABEL) continue;
        nearest[p] = other;
        const a = colourOf(owner[p]!);
        const b = colourOf(owner[q]!);
        let boundary = 0;
        for (let c = 0; c < CHANNELS; c++) boundary += Math.abs(a[c]! - b[c]!) / CHANNELS;
        const faint = 1 - Math.min(1, boundary / VISIBLE_CONTRAST);
        edge =
          Math.max(0, (EDGE_REACH - d) / (EDGE_REACH - 1)) * (EDGE_FLIP + FAINT_EDGE_FLIP * faint);
        break;
      }
      const low =
        owner[p]! < 0
          ? 0
          : LOW_CONTRAST_FLIP * (1 - Math.min(1, shapes[owner[p]!]!.contrast / VISIBLE_CONTRAST));
      // A background pixel with no other class within EDGE_REACH has nothing to be confused with.
      if (nearest[p]! >= 0 || owner[p]! >= 0) {
        disagreement[base + p] = Math.min(MAX_FLIP, BASE_FLIP + edge + low);
      }
    }
    for (let a = 0; a < numAnnotators; a++) {
      const rng = new Rng(deriveSeed(seed, 'segmentation-shapes', 'annotator', n, a));
      const u = uniformField(rng, size);
      const out = a * total + base;
      for (let p = 0; p < pixels; p++) {
        const label = cleanMasks[base + p]!;
        let given = label;
        if (u[p]! < disagreement[base + p]!) {
          given = nearest[p]! >= 0 ? nearest[p]! : 0;
        }
        annotations[out + p] = given;
      }
    }
    const pick = new Rng(deriveSeed(seed, 'segmentation-shapes', 'pick', n)).int(numAnnotators);
    annotatorOf[n] = pick;
    masks.set(annotations.subarray(pick * total + base, pick * total + base + pixels), base);
  }
  return {
    images,
    shape: [numImages, size, size, CHANNELS],
    masks,
    oodMask,
    numClasses: NUM_CLASSES,
    classNames: CLASS_NAMES,
    cleanMasks,
    disagreement,
    annotations,
    annotatorOf,
  };
}
