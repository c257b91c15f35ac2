import cliTruncate from 'cli-truncate';
import { createLogUpdate } from 'log-update';
import type { RunRecord } from './record.js';

/**
 * Formats seconds as `42s`, `3m05s` or `1h02m`.
 *
 * @since 0.1.0
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * A text bar of `width` characters, `fraction` filled.
 *
 * @since 0.1.0
 */
export function bar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/**
 * Where one running cell is: what `cell-worker.ts` sends (over the worker's IPC channel, or
 * directly with one worker) at most a few times a second and at every epoch's end.
 *
 * @since 0.1.0
 */
export interface RunProgress {
  readonly key: string;
  /** `Date.now()` in the worker when the run started. */
  readonly started: number;
  readonly epoch: number;
  readonly maxEpochs: number;
  readonly batch: number;
  readonly batches: number;
  readonly validationNll?: number;
}

/**
 * Expected remaining seconds of the whole grid: `remaining` cells at the mean duration of the
 * finished ones, spread over `workers` processes, minus the time the running cells have spent.
 *
 * @since 0.1.0
 */
export function gridEta(
  finishedSeconds: readonly number[],
  remaining: number,
  workers: number,
  runningElapsed: readonly number[],
): number {
  if (remaining === 0) return 0;
  if (finishedSeconds.length === 0) return Number.NaN;
  const mean = finishedSeconds.reduce((a, b) => a + b, 0) / finishedSeconds.length;
  const spent = runningElapsed.reduce((a, b) => a + Math.min(b, mean), 0);
  return Math.max(0, remaining * mean - spent) / Math.max(1, Math.min(workers, remaining));
}

/**
 * `text` cut to `columns` terminal columns, with an ellipsis where it was cut (`cli-truncate`:
 * counts wide and combining characters and keeps ANSI styles intact).
 *
 * @since 0.1.0
 */
export function fitToWidth(text: string, columns: number): string {
  return cliTruncate(text, Math.max(1, columns), { position: 'end' });
}

/**
 * The stream the live display draws on (a terminal: `process.stderr`); `columns` is read at
 * every redraw, so resizing the terminal takes effect.
 *
 * @since 0.1.0
 */
export interface ProgressStream {
  readonly write: (text: string) => unknown;
  readonly columns?: number;
  readonly rows?: number;
  readonly isTTY?: boolean;
}

/**
 * Options of {@link ProgressDisplay}.
 *
 * @since 0.1.0
 */
export interface ProgressOptions {
  /**
   * `bars`: a live area redrawn in place (a terminal), every line cut to the terminal's width;
   * `lines`: a line per finished run, and a heartbeat line when nothing was printed for
   * `heartbeatMs`; `off`: silent.
   */
  readonly mode: 'bars' | 'lines' | 'off';
  readonly total: number;
  readonly alreadyDone: number;
  readonly workers: number;
  readonly stream: ProgressStream;
  /** Longest silence in `lines` mode, ms (30,000). */
  readonly heartbeatMs?: number;
  /** How often the live area is redrawn in `bars` mode, ms (1,000; updates redraw at most every 100). */
  readonly redrawMs?: number;
}

/** Columns assumed when the stream does not say (not a terminal). */
const DEFAULT_COLUMNS = 80;

/**
 * Progress of a grid. Workers send {@link RunProgress} updates (over `runInWorkers`'s IPC
 * channel); the display keeps the latest per running task. On a terminal (`bars`) a headline
 * with the grid's bar and ETA and a line per running cell are redrawn in place by `log-update`,
 * each cut to the terminal's width so nothing wraps, and each finished run is printed above
 * them. Otherwise (`lines`) each finished run is one line, and a heartbeat line (runs done,
 * what is running, elapsed, ETA) is printed whenever nothing was for `heartbeatMs`, so a log
 * never goes quiet for long.
 *
 * @since 0.1.0
 */
export class ProgressDisplay {
  private readonly finishedSeconds: number[] = [];
  private readonly epochs: number[] = [];
  private readonly running = new Map<number, RunProgress>();
  private meanEpochs: number | undefined;
  private done: number;
  private readonly started = Date.now();
  private readonly live: ReturnType<typeof createLogUpdate> | undefined;
  private redrawTimer: ReturnType<typeof setInterval> | undefined;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private lastDraw = 0;
  private stopped = false;

  constructor(private readonly opts: ProgressOptions) {
    this.done = opts.alreadyDone;
    if (opts.mode === 'bars') {
      // showCursor: the cursor stays as the user had it, even if the process is killed.
      this.live = createLogUpdate(opts.stream as NodeJS.WritableStream, { showCursor: true });
      this.redrawTimer = setInterval(() => this.draw(), opts.redrawMs ?? 1000);
      this.redrawTimer.unref();
    } else if (opts.mode === 'lines') {
      this.scheduleHeartbeat();
    }
  }

  /** The latest progress of task `index` (a running cell). */
  update(index: number, progress: RunProgress): void {
    if (this.stopped) return;
    this.running.set(index, progress);
    if (this.opts.mode === 'bars' && Date.now() - this.lastDraw >= 100) this.draw();
  }

  private columns(): number {
    return this.opts.stream.columns ?? DEFAULT_COLUMNS;
  }

  private eta(): number {
    const now = Date.now();
    return gridEta(
      this.finishedSeconds,
      this.opts.total - this.done,
      this.opts.workers,
      [...this.running.values()].map((r) => (now - r.started) / 1000),
    );
  }

  private headline(): string {
    const elapsed = (Date.now() - this.started) / 1000;
    return (
      `grid ${bar(this.done / Math.max(1, this.opts.total))} ${this.done}/${this.opts.total}` +
      ` · ${formatDuration(elapsed)} · ETA ${formatDuration(this.eta())}`
    );
  }

  /** Per-run ETA: this epoch's remaining batches, plus the epochs finished runs took on average. */
  private runLine(r: RunProgress): string {
    const elapsed = (Date.now() - r.started) / 1000;
    const epochsDone = r.epoch - 1 + r.batch / Math.max(1, r.batches);
    const perEpoch = epochsDone > 0 ? elapsed / epochsDone : Number.NaN;
    const expectedEpochs = Math.max(r.epoch, this.meanEpochs ?? r.epoch);
    const eta = (expectedEpochs - epochsDone) * perEpoch;
    const nll = r.validationNll !== undefined ? ` · NLL ${r.validationNll.toFixed(4)}` : '';
    // The most useful parts first: a narrow terminal cuts the end.
    return (
      `  ${r.key} ${r.epoch}/${r.maxEpochs} ${bar(r.batch / Math.max(1, r.batches), 10)}` +
      ` ~${formatDuration(eta)}${nll}`
    );
  }

  /** The live area: the headline and one line per running cell, each cut to `columns`. */
  frame(columns = this.columns()): string {
    const runs = [...this.running.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
    // One column short of the width: some terminals wrap a line that fills the last column.
    const width = Math.max(1, columns - 1);
    return [this.headline(), ...runs.map((r) => this.runLine(r))]
      .map((line) => fitToWidth(line, width))
      .join('\n');
  }

  /** The heartbeat of `lines` mode: where the grid is, in one line. */
  heartbeat(): string {
    const runs = [...this.running.values()].map((r) => `${r.key} epoch ${r.epoch}/${r.maxEpochs}`);
    const elapsed = formatDuration((Date.now() - this.started) / 1000);
    return (
      `[${this.done}/${this.opts.total}] ${runs.length} running${runs.length > 0 ? `: ${runs.join(', ')}` : ''}` +
      ` · elapsed ${elapsed} · grid ETA ${formatDuration(this.eta())}`
    );
  }

  private draw(): void {
    if (this.live === undefined || this.stopped) return;
    this.lastDraw = Date.now();
    this.live(this.frame());
  }

  /** Prints a line in `lines` mode and restarts the heartbeat's clock. */
  private printLine(line: string): void {
    this.opts.stream.write(`${line}\n`);
    this.scheduleHeartbeat();
  }

  private scheduleHeartbeat(): void {
    if (this.opts.mode !== 'lines' || this.stopped) return;
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(
      () => this.printLine(this.heartbeat()),
      this.opts.heartbeatMs ?? 30_000,
    );
    this.heartbeatTimer.unref();
  }

  /** Records a finished run and reports it. */
  finished(index: number, record: RunRecord): void {
    this.running.delete(index);
    this.done++;
    this.finishedSeconds.push(record.seconds);
    this.epochs.push(record.epochs);
    this.meanEpochs = this.epochs.reduce((a, b) => a + b, 0) / this.epochs.length;
    if (this.opts.mode === 'off' || this.stopped) return;
    const line =
      `[${this.done}/${this.opts.total}] ${record.key}: test NLL ${record.test.nll.toFixed(4)}, ` +
      `accuracy ${record.test.accuracy.toFixed(4)}, ECE ${record.test.ece.toFixed(4)} ` +
      `(${record.epochs} epochs, best ${record.bestEpoch}, ${formatDuration(record.seconds)})` +
      ` · grid ETA ${formatDuration(this.eta())}`;
    if (this.live !== undefined) {
      // Printed once above the live area and never redrawn, so it may wrap.
      this.live.persist(line);
      this.draw();
    } else {
      this.printLine(line);
    }
  }

  /** Stops redrawing and the heartbeat, and clears the live area. */
  stop(): void {
    this.stopped = true;
    if (this.redrawTimer !== undefined) clearInterval(this.redrawTimer);
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    if (this.live !== undefined) {
      this.live.clear();
      this.live.done();
    }
  }
}
