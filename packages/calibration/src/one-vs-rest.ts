import { checkOneOf, checkPositive, DataError } from '@uqjs/core';
import {
  checkColumns,
  column,
  oneVsRestTargets,
  readLabels,
  readScores,
  type SameForm,
  type ScoresInput,
  type Values,
  type VectorInput,
  writeLike,
} from './inputs.js';

/**
 * The machinery shared by the calibrators made of one monotone map per class: binary inputs
 * `[N]` use one map; `[N, K]` inputs use one map per class, fitted one-vs-rest (class `k`
 * against the others on column `k`), and the calibrated rows are renormalized to sum to 1.
 */

/**
 * The stored form of every fitted calibrator: `kind` names the calibrator, `numClasses` is
 * `null` for a binary one, `maps` holds one entry per class (one for binary).
 *
 * @since 0.1.0
 */
export interface CalibratorJson<Kind extends string = string, Map = unknown> {
  readonly kind: Kind;
  readonly numClasses: number | null;
  readonly maps: readonly Map[];
}

/**
 * A fitted probability calibrator: `apply` maps scores `[N]` or `[N, K]` to calibrated
 * probabilities in the same form, `toJSON` stores the fit.
 *
 * @since 0.1.0
 */
export interface ProbabilityCalibrator {
  /** `null` for a binary calibrator (`[N]` inputs), else the `K` of its `[N, K]` inputs. */
  readonly numClasses: number | null;
  apply<T extends ScoresInput>(scores: T): Promise<SameForm<T>>;
  toJSON(): CalibratorJson;
}

/** What a calibrator's scores are: probabilities, or real scores such as logits. Internal. */
export type ScoreKind = 'probs' | 'logits';

/**
 * What tells one calibrator of one map per class apart to {@link OneVsRestCalibrator}. Internal.
 */
export interface CalibratorForm<Kind extends string> {
  /** The class name that error messages start with (`'PlattScaling'`). */
  readonly name: string;
  /** The stored `kind` (`'platt'`). */
  readonly kind: Kind;
  /** The name of the scores argument in error messages (`'scores'` or `'probs'`). */
  readonly argument: 'scores' | 'probs';
  /**
   * For a calibrator fitted on probabilities or logits: which, stored as `input`. Unset for
   * one of probabilities only (nothing stored).
   */
  readonly input?: ScoreKind;
}

/**
 * The base of the calibrators made of one map per class: it holds the maps, applies them
 * one-vs-rest ({@link applyOneVsRest}) and stores the fit as `{ kind, numClasses, input?,
 * maps }`. A subclass supplies its {@link CalibratorForm} and how one score maps.
 */
export abstract class OneVsRestCalibrator<
  Kind extends string,
  Map,
  Json extends CalibratorJson<Kind, Map> = CalibratorJson<Kind, Map>,
> implements ProbabilityCalibrator
{
  readonly #form: CalibratorForm<Kind>;

  protected constructor(
    form: CalibratorForm<Kind>,
    readonly numClasses: number | null,
    /** One map per class (one for binary). */
    readonly maps: readonly Map[],
  ) {
    this.#form = form;
  }

  /** The calibrated probability of score `v` under the map of class `k` (made once per `apply`). */
  protected abstract mapper(): (k: number, v: number) => number;

  /**
   * Calibrated probabilities, in the form given (see {@link SameForm}).
   *
   * @param scores `[N]` or `[N, K]`, probabilities or logits as at fit time (the `K` it was
   *   fitted on).
   */
  async apply<T extends ScoresInput>(scores: T): Promise<SameForm<T>> {
    const { name, argument, input } = this.#form;
    const fn = `${name}.apply`;
    const values = await readScores(scores, input ?? 'probs', argument, fn);
    return applyOneVsRest<T>(values, this.numClasses, fn, this.mapper());
  }

  /** The stored form: `{ kind, numClasses, maps }`, with `input` between for a {@link CalibratorForm} that has one. */
  toJSON(): Json {
    const { kind, input } = this.#form;
    const { numClasses, maps } = this;
    const json =
      input === undefined ? { kind, numClasses, maps } : { kind, numClasses, input, maps };
    return json as CalibratorJson<Kind, Map> as Json;
  }
}

/** Reads the `input` option of a calibrator of probabilities or logits (default `'probs'`). */
export function readInputOption(input: unknown, fn: string): ScoreKind {
  return checkOneOf(input ?? 'probs', ['probs', 'logits'], 'opts.input', fn);
}

/**
 * The data of a fit, after the calibrator's own options: the `tolerance` option (default
 * `1e-3`), then the scores `[N]` or `[N, K]` and their labels `[N]`.
 */
export async function readFitData(
  scores: ScoresInput,
  labels: VectorInput,
  options: { readonly tolerance?: number },
  input: ScoreKind,
  argument: 'scores' | 'probs',
  fn: string,
): Promise<{ values: Values; labels: Int32Array }> {
  const tolerance = checkPositive(options.tolerance ?? 1e-3, 'opts.tolerance', fn);
  const values = await readScores(scores, input, argument, fn, tolerance);
  return { values, labels: await readLabels(labels, values, 'labels', fn) };
}

/** Reads the stored `input` of a calibrator of probabilities or logits (a `DataError` if corrupt). */
export function readStoredInput(stored: CalibratorJson, fn: string): ScoreKind {
  const input = (stored as { input?: unknown }).input;
  if (input !== 'probs' && input !== 'logits') {
    throw new DataError(
      `${fn}: json input must be 'probs' or 'logits', got ${JSON.stringify(input)}`,
    );
  }
  return input;
}

/** Fits one map per column, class `k` against the rest (one map for an `[N]` vector). */
export function fitOneVsRest<M>(
  scores: Values,
  labels: Int32Array,
  fitColumn: (scores: Float64Array, targets: Float64Array, k: number) => M,
): M[] {
  if (scores.cols === null) return [fitColumn(scores.data, Float64Array.from(labels), 0)];
  return Array.from({ length: scores.cols }, (_, k) =>
    fitColumn(column(scores, k), oneVsRestTargets(labels, k), k),
  );
}

/**
 * Applies per-class maps to every entry and renormalizes `[N, K]` rows to sum to 1 (a row
 * all of whose calibrated entries are 0 becomes uniform, `1 / K`).
 */
export function applyOneVsRest<T extends ScoresInput>(
  values: Values,
  numClasses: number | null,
  fn: string,
  mapValue: (k: number, v: number) => number,
): SameForm<T> {
  checkColumns(values, numClasses, 'scores', fn);
  const { data, rows } = values;
  const cols = values.cols ?? 1;
  const out = new Float64Array(data.length);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let k = 0; k < cols; k++) {
      const q = mapValue(k, data[i * cols + k]!);
      out[i * cols + k] = q;
      sum += q;
    }
    if (values.cols === null) continue;
    for (let k = 0; k < cols; k++) {
      out[i * cols + k] = sum > 0 ? out[i * cols + k]! / sum : 1 / cols;
    }
  }
  return writeLike(out, values) as SameForm<T>;
}

/** Checks the envelope of a stored calibrator and returns its maps (a `DataError` if corrupt). */
export function readCalibratorJson(json: unknown, kind: string, fn: string): CalibratorJson {
  const corrupt = (what: string): never => {
    throw new DataError(`${fn}: json is not a stored ${kind} calibrator (${what})`);
  };
  if (json === null || typeof json !== 'object') corrupt('not an object');
  const j = json as Partial<CalibratorJson>;
  if (j.kind !== kind) corrupt(`kind is ${JSON.stringify(j.kind)}`);
  const k = j.numClasses;
  if (!(k === null || (Number.isInteger(k) && (k as number) >= 2))) {
    corrupt(`numClasses must be null or an integer >= 2, got ${JSON.stringify(k)}`);
  }
  const expected = k ?? 1;
  if (!Array.isArray(j.maps) || j.maps.length !== expected) {
    corrupt(`maps must be an array of ${expected} per-class fits`);
  }
  return j as CalibratorJson;
}

/** Reads a stored array of finite numbers (a `DataError` naming the field if corrupt). */
export function jsonNumbers(
  value: unknown,
  field: string,
  fn: string,
  length?: number,
): Float64Array {
  if (
    !Array.isArray(value) ||
    (length !== undefined && value.length !== length) ||
    !value.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new DataError(
      `${fn}: json ${field} must be an array of ${length ?? 'some'} finite numbers, got ${JSON.stringify(value)?.slice(0, 80)}`,
    );
  }
  return Float64Array.from(value as number[]);
}

/** Reads a stored finite number. */
export function jsonNumber(value: unknown, field: string, fn: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new DataError(
      `${fn}: json ${field} must be a finite number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
