import { type PanelStats, panelStats } from '../state.js';
import type {
  SegmentationResult,
  SegmentationScores,
  SegmentationUncertainty,
} from './protocol.js';
import type { SegmentationSettings } from './settings.js';

/** The last finished segmentation run, as numbers (what the end-to-end test reads). */
export interface LastSegmentationRun {
  readonly settings: SegmentationSettings;
  readonly backend: string;
  readonly epochsDone: number;
  readonly stopped: boolean;
  readonly trainSeconds: number;
  readonly totalSeconds: number;
  readonly scores: SegmentationScores;
  readonly uncertainty: SegmentationUncertainty;
  /** Statistics of the drawn uncertainty maps, nats. */
  readonly maps: {
    readonly total: PanelStats;
    readonly aleatoric: PanelStats;
    readonly epistemic: PanelStats;
  };
  /** Shown test images and their side. */
  readonly shown: number;
  readonly size: number;
}

/**
 * The segmentation tab's state, exposed as `window.__playgroundSegmentation` for tests and
 * the console. Its worker starts when the tab is first opened (`status` `'not started'`
 * before).
 */
export interface SegmentationTabState {
  backend: string | null;
  backendNote: string;
  status:
    | 'not started'
    | 'starting'
    | 'idle'
    | 'training'
    | 'evaluating'
    | 'done'
    | 'stopped'
    | 'error';
  error: string | null;
  progress: { done: number; total: number; loss: number };
  runs: number;
  last: LastSegmentationRun | null;
}

declare global {
  interface Window {
    __playgroundSegmentation: SegmentationTabState;
  }
}

/** The tab's state before it is opened. */
export function initialSegmentationState(): SegmentationTabState {
  return {
    backend: null,
    backendNote: '',
    status: 'not started',
    error: null,
    progress: { done: 0, total: 0, loss: Number.NaN },
    runs: 0,
    last: null,
  };
}

/** The numbers of a result, without its maps. */
export function segmentationNumbers(
  result: SegmentationResult,
): Pick<LastSegmentationRun, 'scores' | 'uncertainty' | 'maps' | 'shown' | 'size'> {
  return {
    scores: result.scores,
    uncertainty: result.uncertainty,
    maps: {
      total: panelStats(result.total),
      aleatoric: panelStats(result.aleatoric),
      epistemic: panelStats(result.epistemic),
    },
    shown: result.shown,
    size: result.size,
  };
}
