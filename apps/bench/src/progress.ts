import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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

/** What a worker writes to its progress file (see `cell-worker.ts`). */
interface RunProgress {
  readonly key: string;
  readonly started: number;
  readonly now: number;
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
 * Options of {@link ProgressDisplay}.
 *
 * @since 0.1.0
 */
export interface ProgressOptions {
  /** `bars`: redrawn bars (a TTY); `lines`: a line per finished run; `off`: silent. */
  readonly mode: 'bars' | 'lines' | 'off';
  readonly total: number;
  readonly alreadyDone: number;
  readonly workers: number;
  /** Folder the workers write their progress files into. */
  readonly progressDir: string;
  readonly write: (text: string) => void;
}

/**
 * Progress of a grid: a bar with ETA per running cell (read from the files the workers
 * write) and for the whole grid, redrawn in place on a TTY; a plain line per finished run
 * otherwise.
 *
 * @since 0.1.0
 */
export class ProgressDisplay {
  private readonly finishedSeconds: number[] = [];
  private readonly epochs: number[] = [];
  private meanEpochs: number | undefined;
  private done: number;
  private drawnLines = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly started = Date.now();

  constructor(private readonly opts: ProgressOptions) {
    this.done = opts.alreadyDone;
    // Files left by a run that was killed would show as running forever.
    rmSync(opts.progressDir, { recursive: true, force: true });
    mkdirSync(opts.progressDir, { recursive: true });
    if (opts.mode === 'bars') {
      this.timer = setInterval(() => this.draw(), 500);
      this.timer.unref();
    }
  }

  /** Where the worker running task `index` writes its progress. */
  fileFor(index: number): string {
    return join(this.opts.progressDir, `${index}.json`);
  }

  private running(): RunProgress[] {
    if (!existsSync(this.opts.progressDir)) return [];
    return readdirSync(this.opts.progressDir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => {
        try {
          return [JSON.parse(readFileSync(join(this.opts.progressDir, f), 'utf8')) as RunProgress];
        } catch {
          return []; // being rewritten right now
        }
      });
  }

  private eta(running: readonly RunProgress[]): number {
    const now = Date.now();
    return gridEta(
      this.finishedSeconds,
      this.opts.total - this.done,
      this.opts.workers,
      running.map((r) => (now - r.started) / 1000),
    );
  }

  private headline(running: readonly RunProgress[]): string {
    const elapsed = (Date.now() - this.started) / 1000;
    return (
      `grid ${bar(this.done / Math.max(1, this.opts.total))} ${this.done}/${this.opts.total} runs` +
      ` · elapsed ${formatDuration(elapsed)} · ETA ${formatDuration(this.eta(running))}`
    );
  }

  /** Per-run ETA: this epoch's remaining batches, plus the epochs finished runs took on average. */
  private runLine(r: RunProgress): string {
    const elapsed = (Date.now() - r.started) / 1000;
    const epochsDone = r.epoch - 1 + r.batch / Math.max(1, r.batches);
    const perEpoch = epochsDone > 0 ? elapsed / epochsDone : Number.NaN;
    const expectedEpochs = Math.max(r.epoch, this.meanEpochs ?? r.epoch);
    const eta = (expectedEpochs - epochsDone) * perEpoch;
    const nll = r.validationNll !== undefined ? ` · val NLL ${r.validationNll.toFixed(4)}` : '';
    return (
      `  ${r.key.padEnd(44)} epoch ${r.epoch}/${r.maxEpochs} ${bar(r.batch / Math.max(1, r.batches), 12)}` +
      `${nll} · ETA ~${formatDuration(eta)}`
    );
  }

  private draw(): void {
    if (this.opts.mode !== 'bars') return;
    const running = this.running();
    const lines = [this.headline(running), ...running.map((r) => this.runLine(r))];
    const clear = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F\x1b[J` : '';
    this.opts.write(`${clear}${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  /** Records a finished run and reports it. */
  finished(index: number, record: RunRecord): void {
    rmSync(this.fileFor(index), { force: true });
    this.done++;
    this.finishedSeconds.push(record.seconds);
    this.epochs.push(record.epochs);
    this.meanEpochs = this.epochs.reduce((a, b) => a + b, 0) / this.epochs.length;
    if (this.opts.mode === 'off') return;
    const line =
      `[${this.done}/${this.opts.total}] ${record.key}: test NLL ${record.test.nll.toFixed(4)}, ` +
      `accuracy ${record.test.accuracy.toFixed(4)}, ECE ${record.test.ece.toFixed(4)} ` +
      `(${record.epochs} epochs, best ${record.bestEpoch}, ${formatDuration(record.seconds)})` +
      ` · grid ETA ${formatDuration(this.eta(this.running()))}`;
    if (this.opts.mode === 'bars') {
      const clear = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F\x1b[J` : '';
      this.drawnLines = 0;
      this.opts.write(`${clear}${line}\n`);
      this.draw();
    } else {
      this.opts.write(`${line}\n`);
    }
  }

  /** Stops redrawing and removes the progress folder. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.opts.mode === 'bars' && this.drawnLines > 0) {
      this.opts.write(`\x1b[${this.drawnLines}F\x1b[J`);
      this.drawnLines = 0;
    }
    rmSync(this.opts.progressDir, { recursive: true, force: true });
  }
}
