import { PNG } from 'pngjs';
import { PALETTE, rampRgb } from '../plots/svg.js';
import type { PixelUncertainty } from './evaluate.js';
import type { SegmentationSplit } from './split.js';

/**
 * The panels of a picture grid row, left to right.
 *
 * @since 0.1.0
 */
export const PICTURE_PANELS = [
  'image',
  'label',
  'prediction',
  'total',
  'aleatoric',
  'epistemic',
] as const;

/** Screen pixels per image pixel. */
export const PICTURE_SCALE = 4;
/** White gap between panels and rows, screen pixels. */
export const PICTURE_GAP = 4;

type Rgb = readonly [number, number, number];

const IGNORE_COLOR: Rgb = [255, 255, 255];
const OOD_COLOR: Rgb = [0, 0, 0];

function hexRgb(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** Class `k`'s colour (the report's Okabe-Ito palette, black left for OOD pixels). */
function classRgb(k: number): Rgb {
  const colors = PALETTE.filter((c) => c !== '#000000');
  return hexRgb(colors[k % colors.length] as string);
}

/**
 * The size in pixels of a grid of `rows` images of `h x w`.
 *
 * @since 0.1.0
 */
export function pictureSize(rows: number, h: number, w: number): { width: number; height: number } {
  const panels = PICTURE_PANELS.length;
  return {
    width: panels * w * PICTURE_SCALE + (panels + 1) * PICTURE_GAP,
    height: rows * h * PICTURE_SCALE + (rows + 1) * PICTURE_GAP,
  };
}

/**
 * A PNG (encoded by `pngjs`) with one row per test image: the image, its label (class colours;
 * white = ignored, black = OOD class), the argmax prediction, and the total, aleatoric and
 * epistemic uncertainty maps on one scale from 0 to `log K` nats (light yellow to dark blue),
 * each pixel drawn as a `PICTURE_SCALE` square.
 *
 * @param probs predictive probabilities `[rows, H, W, K]`.
 * @param uncertainty maps `[rows, H, W]`.
 * @since 0.1.0
 */
export function pictureGrid(
  split: SegmentationSplit,
  probs: Float32Array,
  uncertainty: PixelUncertainty,
  numClasses: number,
): Buffer {
  const [, h, w, c] = split.shape;
  const k = numClasses;
  const rows = uncertainty.total.length / (h * w);
  const { width, height } = pictureSize(rows, h, w);
  const png = new PNG({ width, height });
  png.data.fill(255);
  const maxEntropy = Math.log(k);
  const color = (panel: (typeof PICTURE_PANELS)[number], pixel: number): Rgb => {
    switch (panel) {
      case 'image': {
        const at = pixel * c;
        const v = (i: number) =>
          Math.round(
            255 * Math.min(1, Math.max(0, split.images[at + (c === 1 ? 0 : i)] as number)),
          );
        return [v(0), v(1), v(2)];
      }
      case 'label':
        if (split.oodMask !== null && split.oodMask[pixel] === 1) return OOD_COLOR;
        return split.masks[pixel] === 255 ? IGNORE_COLOR : classRgb(split.masks[pixel] as number);
      case 'prediction': {
        let top = 0;
        for (let j = 1; j < k; j++)
          if ((probs[pixel * k + j] as number) > (probs[pixel * k + top] as number)) top = j;
        return classRgb(top);
      }
      default:
        return rampRgb((uncertainty[panel][pixel] as number) / maxEntropy);
    }
  };
  for (let row = 0; row < rows; row++) {
    PICTURE_PANELS.forEach((panel, p) => {
      const left = PICTURE_GAP + p * (w * PICTURE_SCALE + PICTURE_GAP);
      const top = PICTURE_GAP + row * (h * PICTURE_SCALE + PICTURE_GAP);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const rgb = color(panel, (row * h + y) * w + x);
          for (let dy = 0; dy < PICTURE_SCALE; dy++) {
            for (let dx = 0; dx < PICTURE_SCALE; dx++) {
              const at =
                ((top + y * PICTURE_SCALE + dy) * width + left + x * PICTURE_SCALE + dx) * 4;
              png.data[at] = rgb[0];
              png.data[at + 1] = rgb[1];
              png.data[at + 2] = rgb[2];
              png.data[at + 3] = 255;
            }
          }
        }
      }
    });
  }
  return PNG.sync.write(png);
}
