import {
  add,
  elu,
  expandDims,
  matMul,
  mul,
  relu,
  reshape,
  serialization,
  sigmoid,
  softmax,
  softplus,
  type Tensor,
  tanh,
  tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';
import {
  checkCount,
  checkOneOf,
  deriveSeed,
  type LayerCallKwargs as Kwargs,
  type LayerArgs,
  layerArgsObject,
  layerSeed,
  Rng,
  type LayerShape as Shape,
  ShapeError,
  singleInput,
  singleShape,
} from '@uqjs/core';
import { MAX_MEMBERS } from './ensemble-manifest.js';

const ACTIVATIONS = {
  linear: (x: Tensor) => x,
  relu,
  elu,
  tanh,
  sigmoid,
  softplus,
  softmax: (x: Tensor) => softmax(x),
} as const;

/** Largest `units` accepted (a `model.json` could ask for any size). */
const MAX_UNITS = 65536;

/**
 * Activation of a {@link BatchEnsembleDense} layer, applied to the last axis.
 *
 * @since 0.1.0
 */
export type BatchEnsembleActivation = keyof typeof ACTIVATIONS;
const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as BatchEnsembleActivation[];

/**
 * Arguments of {@link BatchEnsembleDense}.
 *
 * @since 0.1.0
 */
export interface BatchEnsembleDenseArgs extends LayerArgs {
  /** Output units `U` per member. */
  units: number;
  /** Number of members `M`. */
  ensembleSize: number;
  /** Activation on the last axis. Default `'linear'`. */
  activation?: BatchEnsembleActivation;
  /** Whether each member has its own bias `[M, U]`. Default `true`. */
  useBias?: boolean;
  /**
   * Seed of the initialization: the shared kernel (Glorot uniform) and the random-sign fast
   * weights. Default: unseeded (drawn from `Math.random`, as tfjs initializers are).
   */
  seed?: number;
}

/**
 * A BatchEnsemble dense layer (Wen, Tran and Ba, 2020): `M` members share one kernel
 * `W [D, U]` and each adds rank-one fast weights `r_m [D]`, `s_m [U]` and a bias `c_m [U]`,
 * so member `m` computes `y_m = act(((x_m o r_m) W) o s_m + c_m)`, i.e. a dense layer with
 * kernel `W o (r_m s_m^T)`, for the cost of one shared matmul and `M (D + 2U)` extra weights.
 * Fast weights start as random signs (+1/-1), the shared kernel as Glorot uniform, biases 0.
 *
 * Shapes: input `[B, D]` (every member sees the same row) or `[B, M, D]` (one row per member,
 * from a previous BatchEnsemble layer); output `[B, M, U]`. Stack layers freely; read the
 * final `[B, M, K]` with `batchEnsemblePredict`. To train with `model.fit`, repeat the
 * targets per member: `y [B, K] -> [B, M, K]`
 * (`tf.tile(tf.expandDims(y, 1), [1, M, 1])`) and use `categoricalCrossentropy`.
 *
 * @example
 * ```ts
 * const model = sequential();
 * model.add(new BatchEnsembleDense({ inputShape: [2], units: 32, ensembleSize: 4, activation: 'relu', seed: 1 }));
 * model.add(new BatchEnsembleDense({ units: 3, ensembleSize: 4, activation: 'softmax', seed: 2 }));
 * // model.predict(x [B, 2]) -> [B, 4, 3]
 * ```
 * @since 0.1.0
 */
export class BatchEnsembleDense extends layers.Layer {
  /** @nocollapse */
  static className = 'BatchEnsembleDense';
  readonly units: number;
  readonly ensembleSize: number;
  readonly activation: BatchEnsembleActivation;
  readonly useBias: boolean;
  readonly seed: number | undefined;
  private kernel: LayerVariable | null = null;
  private inputFactors: LayerVariable | null = null;
  private outputFactors: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: BatchEnsembleDenseArgs) {
    const fn = 'BatchEnsembleDense';
    super(layerArgsObject(args, fn, 'an object { units, ensembleSize, ... }'));
    this.units = checkCount(args.units, 'units', fn, MAX_UNITS);
    this.ensembleSize = checkCount(args.ensembleSize, 'ensembleSize', fn, MAX_MEMBERS);
    this.activation = checkOneOf(args.activation ?? 'linear', ACTIVATION_NAMES, 'activation', fn);
    this.useBias = args.useBias ?? true;
    this.seed = layerSeed(args.seed, fn);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, 'BatchEnsembleDense');
    const m = this.ensembleSize;
    const rankOk = shape.length === 2 || (shape.length === 3 && shape[1] === m);
    const inputDim = shape[shape.length - 1];
    if (!rankOk || typeof inputDim !== 'number') {
      throw new ShapeError({
        fn: 'BatchEnsembleDense',
        argument: 'inputShape',
        expected: `[B, D] or [B, ${m}, D] with D known`,
        given: shape,
      });
    }
    const seed = this.seed ?? Math.floor(Math.random() * 2 ** 32);
    const u = this.units;
    this.kernel = this.addWeight(
      'kernel',
      [inputDim, u],
      'float32',
      initializers.glorotUniform({ seed: deriveSeed(seed, 'kernel') }),
    );
    this.inputFactors = this.addWeight(
      'input_factors',
      [m, inputDim],
      'float32',
      initializers.ones(),
    );
    this.outputFactors = this.addWeight('output_factors', [m, u], 'float32', initializers.ones());
    writeRandomSigns(this.inputFactors, deriveSeed(seed, 'input_factors'));
    writeRandomSigns(this.outputFactors, deriveSeed(seed, 'output_factors'));
    if (this.useBias) this.bias = this.addWeight('bias', [m, u], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, 'BatchEnsembleDense');
    return [shape[0] ?? null, this.ensembleSize, this.units];
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = singleInput(inputs, 'BatchEnsembleDense');
      const m = this.ensembleSize;
      const d = x.shape[x.rank - 1]!;
      const rows = x.shape[0]!;
      // [B, D] -> [B, 1, D]: one input row feeds every member; [B, M, D] stays.
      const perMember = x.rank === 2 ? expandDims(x, 1) : x;
      // [B, M or 1, D] * r [M, D] -> [B, M, D].
      const scaled = mul(perMember, this.inputFactors!.read());
      // [B, M, D] -> [B * M, D] for one shared matmul, then back to [B, M, U].
      const projected = reshape(matMul(reshape(scaled, [rows * m, d]), this.kernel!.read()), [
        rows,
        m,
        this.units,
      ]);
      // [B, M, U] * s [M, U] (+ c [M, U]) broadcast over the batch.
      let out = mul(projected, this.outputFactors!.read());
      if (this.bias !== null) out = add(out, this.bias.read());
      return ACTIVATIONS[this.activation](out);
    });
  }

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = {
      units: this.units,
      ensembleSize: this.ensembleSize,
      activation: this.activation,
      useBias: this.useBias,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }
}

/** Fills `weight` with independent fair random signs (+1 / -1) drawn from `seed`. */
function writeRandomSigns(weight: LayerVariable, seed: number): void {
  const rng = new Rng(seed);
  const values = new Float32Array((weight.shape as number[]).reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform() < 0.5 ? -1 : 1;
  const signs = tensor(values, weight.shape as number[]);
  weight.write(signs); // the variable keeps its own reference to the data
  signs.dispose();
}

serialization.registerClass(BatchEnsembleDense);
