import { deriveSeed, Rng } from '@uqjs/core';
import {
  ImageDataset,
  makeCubicRegression,
  makeMoons,
  makeOodCluster,
  makeSpirals,
  split,
  type ToySet,
} from '@uqjs/datasets';
import type { DatasetName } from './settings.js';

/** `n` points of dimension `d`, row-major `[n, d]`, with integer labels `[n]`. */
export interface LabelledPoints {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly n: number;
}

/** A 2-D classification problem: training points, a held-out split, optional OOD points. */
export interface ClassificationTask {
  readonly kind: 'classification';
  readonly numClasses: number;
  readonly train: LabelledPoints;
  /** Held out of training, stratified: the reliability diagram and held-out scores. */
  readonly heldOut: LabelledPoints;
  /** Out-of-domain points (labels `-1`) that the model never sees, or `null`. */
  readonly ood: LabelledPoints | null;
  /** The plotted window: `[xMin, xMax]`, `[yMin, yMax]`. */
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
}

/** The 1-D regression problem: `y = x^3 + noise` on `[-4, 4]`, plotted wider. */
export interface RegressionTask {
  readonly kind: 'regression';
  /** `[n]` inputs and `[n]` targets. */
  readonly x: Float32Array;
  readonly y: Float32Array;
  /**
   * Held out of training (`[m]` inputs and targets, drawn like the training data with
   * another seed): the held-out scores and the split-conformal interval.
   */
  readonly heldOut: { readonly x: Float32Array; readonly y: Float32Array };
  /** Where the training inputs were drawn. */
  readonly dataRange: readonly [number, number];
  /** The plotted input window, wider than `dataRange` to show extrapolation. */
  readonly xRange: readonly [number, number];
  /** Standard deviation of the noise the data was drawn with. */
  readonly noiseStd: number;
}

export type Task = ClassificationTask | RegressionTask;

/** Fraction of a classification set held out for the reliability diagram. */
export const HELD_OUT_FRACTION = 0.25;

/** Held-out points of the regression view (half calibrate its conformal interval). */
export const REGRESSION_HELD_OUT = 200;

/** Splits a 2-D toy set into stratified training and held-out parts with `@uqjs/datasets`. */
function holdOut(set: ToySet, numClasses: number, seed: number): [LabelledPoints, LabelledPoints] {
  const [n, d] = set.shape;
  // A toy point is stored as a 1 x 1 "image" with d channels: [n, d] -> [n, 1, 1, d].
  const dataset = new ImageDataset({
    images: set.x,
    shape: [n, 1, 1, d],
    labels: set.y,
    numClasses,
  });
  const parts = split(dataset, { validation: HELD_OUT_FRACTION, seed });
  const points = (part: ImageDataset): LabelledPoints => ({
    x: part.images as Float32Array,
    y: part.labels,
    n: part.size,
  });
  return [points(parts.train), points(parts.validation)];
}

/** Where the moons' input-dependent label noise starts (x1 = -1) and peaks (x1 = 2). */
const NOISE_RAMP: readonly [number, number] = [-1, 2];

/**
 * Flip probability of a moons point at first coordinate `x1`: `labelNoise` times a ramp
 * from 0 at `x1 = -1` (the left moon's tip: clean) to 1 at `x1 = 2` (the right moon's tip).
 * Input-dependent noise, so a heteroscedastic model's aleatoric surface has something to show.
 */
export function moonFlipProbability(x1: number, labelNoise: number): number {
  const [start, end] = NOISE_RAMP;
  return labelNoise * Math.min(1, Math.max(0, (x1 - start) / (end - start)));
}

/** `points` with each label flipped (0 <-> 1) with {@link moonFlipProbability}, seeded. */
export function flipMoonLabels(
  points: LabelledPoints,
  labelNoise: number,
  seed: number,
): LabelledPoints {
  if (labelNoise === 0) return points;
  const rng = new Rng(seed);
  const y = Int32Array.from(points.y, (label, i) =>
    rng.uniform() < moonFlipProbability(points.x[2 * i] as number, labelNoise) ? 1 - label : label,
  );
  return { ...points, y };
}

function points(set: ToySet): LabelledPoints {
  return { x: set.x, y: set.y, n: set.shape[0] };
}

/**
 * The problem behind each dataset choice, seeded:
 * - `moons`: 600 two-moons points (noise 0.1), plus the SNGP tutorial's OOD cluster of 100
 *   points around `(2.5, -1.75)`, on the tutorial's window `[-3.5, 3.5] x [-2.5, 2.5]`;
 * - `spirals`: 3 arms of 160 points (angle noise 0.2) on `[-1.5, 1.5]^2`;
 * - `cubic`: 20 points of `x^3 + N(0, 3^2)` on `[-4, 4]`, plotted on `[-6, 6]`, and
 *   {@link REGRESSION_HELD_OUT} held-out points drawn the same way.
 *
 * `labelNoise` (moons only) flips labels by {@link flipMoonLabels}.
 */
export function makeTask(dataset: DatasetName, seed: number, labelNoise = 0): Task {
  if (dataset === 'cubic') {
    const set = makeCubicRegression({ n: 20, range: [-4, 4], std: 3, seed });
    const heldOut = makeCubicRegression({
      n: REGRESSION_HELD_OUT,
      range: [-4, 4],
      std: 3,
      seed: deriveSeed(seed, 'held-out'),
    });
    return {
      kind: 'regression',
      x: set.x,
      y: set.y,
      heldOut: { x: heldOut.x, y: heldOut.y },
      dataRange: [-4, 4],
      xRange: [-6, 6],
      noiseStd: 3,
    };
  }
  if (dataset === 'moons') {
    const [train, heldOut] = holdOut(makeMoons({ n: 600, noise: 0.1, seed }), 2, seed);
    return {
      kind: 'classification',
      numClasses: 2,
      train: flipMoonLabels(train, labelNoise, deriveSeed(seed, 'label-noise', 'train')),
      heldOut: flipMoonLabels(heldOut, labelNoise, deriveSeed(seed, 'label-noise', 'held-out')),
      ood: points(makeOodCluster({ n: 100, seed })),
      xRange: [-3.5, 3.5],
      yRange: [-2.5, 2.5],
    };
  }
  const numClasses = 3;
  const set = makeSpirals({ perClass: 160, numClasses, noise: 0.2, seed });
  const [train, heldOut] = holdOut(set, numClasses, seed);
  return {
    kind: 'classification',
    numClasses,
    train,
    heldOut,
    ood: null,
    xRange: [-1.5, 1.5],
    yRange: [-1.5, 1.5],
  };
}
