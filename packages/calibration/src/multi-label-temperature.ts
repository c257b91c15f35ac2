import { checkInRange, DataError, InvalidArgumentError, ShapeError } from '@uqjs/core';
import {
  type MatrixInput,
  readOptions,
  readValues,
  type SameForm,
  type VectorInput,
  writeLike,
} from './inputs.js';
import { fitLogistic, sigmoid } from './logistic-fit.js';
import { jsonNumbers } from './one-vs-rest.js';

/**
 * Options of {@link MultiLabelTemperature.fit}.
 *
 * @since 0.1.0
 */
export interface MultiLabelTemperatureOptions {
  /** Smallest temperature, in `[1e-6, 1e6]` (default `0.01`). */
  readonly minTemperature?: number;
  /** Largest temperature, in `[1e-6, 1e6]` (default `100`). */
  readonly maxTemperature?: number;
}

/**
 * Stored form of a {@link MultiLabelTemperature} fit.
 *
 * @since 0.1.0
 */
export interface MultiLabelTemperatureJson {
  readonly kind: 'multi-label-temperature';
  readonly temperatures: readonly number[];
}

/**
 * Per-output temperature scaling for multi-label (sigmoid) models: output `l` gets its own
 * `T_l > 0` minimizing the mean binary NLL of `sigmoid(z_l / T_l)` on held-out logits, and
 * `apply` returns the calibrated probabilities `sigmoid(z_l / T_l)`. Each fit is a logistic
 * regression of the labels on `z_l` without intercept (convex in `1 / T_l`, solved by Newton);
 * an optimum beyond `[minTemperature, maxTemperature]` is clamped to that end and `hitBound`
 * says which (e.g. `'lower'` for an output its logits separate).
 *
 * @example
 * ```ts
 * const fit = await MultiLabelTemperature.fit([[2, -1], [-3, 1], [1, 2]], [[1, 0], [0, 0], [0, 1]]);
 * await fit.apply([[2, -1]]); // [[sigmoid(2 / T_0), sigmoid(-1 / T_1)]]
 * ```
 * @since 0.1.0
 */
export class MultiLabelTemperature {
  static readonly kind = 'multi-label-temperature';

  private constructor(
    /** `[L]` temperatures, one per sigmoid output. */
    readonly temperatures: readonly number[],
    /** `[L]`: `'lower'`/`'upper'` where the optimum was clamped to that bound, else `null` (empty after `fromJSON`). */
    readonly hitBound: readonly ('lower' | 'upper' | null)[],
  ) {}

  /**
   * @param logits `[N, L]` finite logits of held-out examples (`[N]` for one output).
   * @param labels `[N, L]` labels in `{0, 1}`, the shape of `logits`.
   */
  static async fit(
    logits: MatrixInput | VectorInput,
    labels: MatrixInput | VectorInput,
    opts: MultiLabelTemperatureOptions = {},
  ): Promise<MultiLabelTemperature> {
    const fn = 'MultiLabelTemperature.fit';
    const options = readOptions(opts, fn);
    const minT = checkInRange(options.minTemperature ?? 0.01, 'opts.minTemperature', fn, 1e-6, 1e6);
    const maxT = checkInRange(options.maxTemperature ?? 100, 'opts.maxTemperature', fn, 1e-6, 1e6);
    if (!(maxT > minT)) {
      throw new InvalidArgumentError({
        fn,
        argument: 'opts.maxTemperature',
        expected: `greater than opts.minTemperature (${minT})`,
        given: maxT,
      });
    }
    const z = await readValues(logits, 'logits', fn);
    const y = await readValues(labels, 'labels', fn);
    if (y.rows !== z.rows || y.cols !== z.cols) {
      throw new ShapeError({
        fn,
        argument: 'labels',
        expected: `of shape [${z.shape.join(', ')}] (the shape of logits)`,
        given: y.shape,
      });
    }
    const outputs = z.cols ?? 1;
    y.data.forEach((t, i) => {
      if (t !== 0 && t !== 1) {
        const at = z.cols === null ? `[${i}]` : `[${Math.floor(i / outputs)}][${i % outputs}]`;
        throw new InvalidArgumentError({
          fn,
          argument: `labels${at}`,
          expected: 'a label in {0, 1}',
          given: t,
        });
      }
    });
    const temperatures: number[] = [];
    const hitBound: ('lower' | 'upper' | null)[] = [];
    for (let l = 0; l < outputs; l++) {
      const zl = Float64Array.from({ length: z.rows }, (_, i) => z.data[i * outputs + l]!);
      const yl = Float64Array.from({ length: z.rows }, (_, i) => y.data[i * outputs + l]!);
      // The NLL is convex in beta = 1 / T, so its minimum over [1 / maxT, 1 / minT] is the
      // unconstrained minimizer clamped to that interval.
      const beta = fitLogistic([zl], yl).theta[0]!;
      if (!(beta > 1 / maxT)) {
        temperatures.push(maxT);
        hitBound.push('upper');
      } else if (!(beta < 1 / minT)) {
        temperatures.push(minT);
        hitBound.push('lower');
      } else {
        temperatures.push(1 / beta);
        hitBound.push(null);
      }
    }
    return new MultiLabelTemperature(temperatures, hitBound);
  }

  /** Rebuilds a fit stored with {@link MultiLabelTemperature.toJSON}; a `DataError` if corrupt. */
  static fromJSON(json: unknown): MultiLabelTemperature {
    const fn = 'MultiLabelTemperature.fromJSON';
    const j = (json ?? {}) as Partial<MultiLabelTemperatureJson>;
    if (j.kind !== MultiLabelTemperature.kind) {
      throw new DataError(`${fn}: json is not a stored ${MultiLabelTemperature.kind} calibrator`);
    }
    const t = jsonNumbers(j.temperatures, 'temperatures', fn);
    if (t.length < 1 || !t.every((v) => v > 0)) {
      throw new DataError(`${fn}: json temperatures must be a non-empty array of numbers > 0`);
    }
    return new MultiLabelTemperature(Array.from(t), []);
  }

  /**
   * Calibrated probabilities `sigmoid(z_l / T_l)`, in the form given (see {@link SameForm}).
   *
   * @param logits `[N, L]` (`[N]` for one output) logits.
   */
  async apply<T extends MatrixInput | VectorInput>(logits: T): Promise<SameForm<T>> {
    const fn = 'MultiLabelTemperature.apply';
    const z = await readValues(logits, 'logits', fn);
    const outputs = this.temperatures.length;
    if ((z.cols ?? 1) !== outputs || (z.cols === null && outputs !== 1)) {
      throw new ShapeError({
        fn,
        argument: 'logits',
        expected: `of shape [N, ${outputs}] (the outputs it was fitted on)`,
        given: z.shape,
      });
    }
    const out = z.data.map((v, i) => sigmoid(v / this.temperatures[i % outputs]!));
    return writeLike(out, z) as SameForm<T>;
  }

  toJSON(): MultiLabelTemperatureJson {
    return { kind: MultiLabelTemperature.kind, temperatures: this.temperatures };
  }
}
