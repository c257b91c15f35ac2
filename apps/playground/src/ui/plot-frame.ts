/** Maps data coordinates to canvas pixels for a plot window. */
export interface PlotFrame {
  readonly width: number;
  readonly height: number;
  readonly px: (x: number) => number;
  readonly py: (y: number) => number;
}

/** The frame of `xRange x yRange` on a `width x height` canvas (y grows upwards). */
export function plotFrame(
  width: number,
  height: number,
  xRange: readonly [number, number],
  yRange: readonly [number, number],
): PlotFrame {
  const [x0, x1] = xRange;
  const [y0, y1] = yRange;
  return {
    width,
    height,
    px: (x) => ((x - x0) / (x1 - x0)) * width,
    py: (y) => (1 - (y - y0) / (y1 - y0)) * height,
  };
}

/** The canvas's 2-D context (every browser the page supports has one). */
export function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('context2d: this browser gives no 2-D canvas context');
  return ctx;
}
