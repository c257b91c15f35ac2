import { classColor, type Rgb } from './colormap.js';
import { context2d, plotFrame } from './plot-frame.js';

/** What a 2-D surface panel draws. */
export interface Surface {
  /** Points per side `G`; cell `i` is column `i % G`, row `floor(i / G)` from the bottom. */
  readonly gridSize: number;
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  /** The colour of grid cell `i`. */
  readonly color: (i: number) => Rgb;
  /** Training points `[n, 2]`, labels `[n]`. */
  readonly trainX: Float32Array;
  readonly trainY: Int32Array;
  /** OOD points `[n, 2]`, drawn as dark crosses, or `null`. */
  readonly oodX: Float32Array | null;
}

/**
 * Draws a surface into `canvas`: the `G x G` cells as an image scaled to the canvas
 * (smoothed), then the training points in their class colours and the OOD points.
 */
export function drawSurface(canvas: HTMLCanvasElement, surface: Surface): void {
  const g = surface.gridSize;
  const image = new ImageData(g, g);
  for (let i = 0; i < g * g; i++) {
    const [r, gr, b] = surface.color(i);
    // Grid rows go up in y; image rows go down: cell row `row` lands on image row g - 1 - row.
    const row = Math.floor(i / g);
    const at = 4 * ((g - 1 - row) * g + (i % g));
    image.data[at] = r;
    image.data[at + 1] = gr;
    image.data[at + 2] = b;
    image.data[at + 3] = 255;
  }
  const cells = document.createElement('canvas');
  cells.width = g;
  cells.height = g;
  context2d(cells).putImageData(image, 0, 0);
  const ctx = context2d(canvas);
  ctx.imageSmoothingEnabled = true;
  // The grid's cell centres span the window, so each cell is drawn half a cell beyond it.
  const cellW = canvas.width / (g - 1);
  const cellH = canvas.height / (g - 1);
  ctx.drawImage(cells, -cellW / 2, -cellH / 2, canvas.width + cellW, canvas.height + cellH);
  const frame = plotFrame(canvas.width, canvas.height, surface.xRange, surface.yRange);
  for (let i = 0; i < surface.trainY.length; i++) {
    const [r, gr, b] = classColor(surface.trainY[i]!);
    ctx.beginPath();
    ctx.arc(
      frame.px(surface.trainX[2 * i]!),
      frame.py(surface.trainX[2 * i + 1]!),
      2,
      0,
      2 * Math.PI,
    );
    ctx.fillStyle = `rgb(${r} ${gr} ${b})`;
    ctx.fill();
    ctx.lineWidth = 0.6;
    ctx.strokeStyle = 'rgba(0 0 0 / 0.7)';
    ctx.stroke();
  }
  const ood = surface.oodX;
  if (ood !== null) {
    ctx.strokeStyle = 'rgba(0 0 0 / 0.85)';
    ctx.lineWidth = 1;
    for (let i = 0; i < ood.length / 2; i++) {
      const x = frame.px(ood[2 * i]!);
      const y = frame.py(ood[2 * i + 1]!);
      ctx.beginPath();
      ctx.moveTo(x - 2, y - 2);
      ctx.lineTo(x + 2, y + 2);
      ctx.moveTo(x + 2, y - 2);
      ctx.lineTo(x - 2, y + 2);
      ctx.stroke();
    }
  }
}
