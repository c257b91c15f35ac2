import type { UncertaintyMeans } from '../protocol.js';

/** Test-set scores of a segmentation run (`SegmentationMetrics` of `@uqjs/metrics`). */
export interface SegmentationScores {
  /** Mean IoU over the classes, OOD and ignored pixels left out. */
  readonly meanIoU: number;
  readonly pixelAccuracy: number;
  /** Top-label ECE over the scored pixels, 15 bins. */
  readonly ece: number;
  /** Mean NLL per scored pixel, nats. */
  readonly nll: number;
  /** Pixel OOD detection of the held-out shape by total uncertainty (OOD pixels positive). */
  readonly oodAuroc: number;
  readonly oodAupr: number;
  /** Share of in-distribution pixels flagged at 95% of the OOD pixels found. */
  readonly oodFpr95: number;
}

/**
 * Mean uncertainty (nats) over the test pixels of the background, of the in-distribution
 * objects (by their true geometry) and of the OOD object.
 */
export interface SegmentationUncertainty {
  readonly background: UncertaintyMeans;
  readonly objects: UncertaintyMeans;
  readonly ood: UncertaintyMeans;
}

/** The shown test images of side `H = W = size`, row-major: what the page draws before training. */
export interface SegmentationView {
  readonly size: number;
  readonly shown: number;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /** `[shown, H, W, 3]` in `[0, 1]`. */
  readonly images: Float32Array;
  /** `[shown, H, W]` the annotator's labels: class ids, 255 on ignored and OOD pixels. */
  readonly labels: Uint8Array;
  /** `[shown, H, W]` 1 on the OOD object. */
  readonly oodMask: Uint8Array;
}

/** What the page draws after a segmentation run: the view, its maps and the test-set numbers. */
export interface SegmentationResult extends SegmentationView {
  readonly kind: 'segmentation';
  /** `[shown, H, W]` argmax of the predictive. */
  readonly prediction: Uint8Array;
  /** `[shown, H, W]` entropy decomposition over the MC dropout passes, nats. */
  readonly total: Float32Array;
  readonly aleatoric: Float32Array;
  readonly epistemic: Float32Array;
  /** Test images scored (the shown ones first). */
  readonly testImages: number;
  readonly scores: SegmentationScores;
  readonly uncertainty: SegmentationUncertainty;
}
