import type { ConformalIntervalResult, ConformalSetsResult } from './conformal-split.js';
import type {
  ConfidenceResult,
  HeldOutScores,
  RegressionScores,
  RunResult,
  StdMeans,
  UncertaintyMeans,
} from './protocol.js';
import type { Settings } from './settings.js';
import { meanOf } from './uncertainty-means.js';

/** Minimum, maximum and mean of the values a panel drew. */
export interface PanelStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** The last finished run, as numbers (what the end-to-end test reads). */
export interface LastRun {
  readonly settings: Settings;
  readonly backend: string;
  readonly epochsDone: number;
  readonly stopped: boolean;
  readonly trainSeconds: number;
  readonly totalSeconds: number;
  /** `null` when the run was stopped before it could be drawn (a half-trained ensemble). */
  readonly result: LastClassification | LastRegression | null;
}

export interface LastClassification {
  readonly kind: 'classification';
  /** Grid statistics of each drawn uncertainty panel, nats. */
  readonly panels: {
    readonly total: PanelStats;
    readonly aleatoric: PanelStats;
    readonly epistemic: PanelStats;
  };
  readonly heldOut: HeldOutScores;
  readonly summary: {
    readonly train: UncertaintyMeans;
    readonly heldOut: UncertaintyMeans;
    readonly ood: UncertaintyMeans | null;
  };
  /** The learned confidence: statistics of its grid panel and its means (`null` without one). */
  readonly confidence: (Omit<ConfidenceResult, 'grid'> & { readonly panel: PanelStats }) | null;
  /** The conformal sets: their scores and the statistics of the set-size panel. */
  readonly conformal: Omit<ConformalSetsResult, 'gridSetSize'> & { readonly panel: PanelStats };
}

export interface LastRegression {
  readonly kind: 'regression';
  readonly rmseInside: number;
  readonly summary: { readonly inside: StdMeans; readonly outside: StdMeans };
  readonly scores: RegressionScores;
  readonly conformal: ConformalIntervalResult;
}

/**
 * The page's state, exposed as `window.__playground` for tests and the console: the backend,
 * what the page is doing, the progress of the current run and the numbers of the last one.
 */
export interface PlaygroundState {
  backend: string | null;
  backendNote: string;
  status: 'starting' | 'idle' | 'training' | 'evaluating' | 'done' | 'stopped' | 'error';
  error: string | null;
  progress: { done: number; total: number; loss: number };
  /** Runs finished (done or stopped) since the page loaded. */
  runs: number;
  last: LastRun | null;
}

declare global {
  interface Window {
    __playground: PlaygroundState;
  }
}

/** The state of a freshly loaded page. */
export function initialState(): PlaygroundState {
  return {
    backend: null,
    backendNote: '',
    status: 'starting',
    error: null,
    progress: { done: 0, total: 0, loss: Number.NaN },
    runs: 0,
    last: null,
  };
}

/** Minimum, maximum and mean of `values`. */
export function panelStats(values: Float32Array): PanelStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { min, max, mean: meanOf(values) };
}

/** The numbers of a result, without its arrays. */
export function resultNumbers(result: RunResult): LastClassification | LastRegression {
  if (result.kind === 'regression') {
    return {
      kind: 'regression',
      rmseInside: result.rmseInside,
      summary: result.summary,
      scores: result.scores,
      conformal: result.conformal,
    };
  }
  const { gridSetSize, ...conformal } = result.conformal;
  return {
    kind: 'classification',
    panels: {
      total: panelStats(result.total),
      aleatoric: panelStats(result.aleatoric),
      epistemic: panelStats(result.epistemic),
    },
    heldOut: result.heldOut,
    summary: result.summary,
    confidence:
      result.confidence === null
        ? null
        : {
            panel: panelStats(result.confidence.grid),
            train: result.confidence.train,
            heldOut: result.confidence.heldOut,
            ood: result.confidence.ood,
          },
    conformal: { ...conformal, panel: panelStats(gridSetSize) },
  };
}
