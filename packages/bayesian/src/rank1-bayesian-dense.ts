import {
  add,
  expandDims,
  matMul,
  mul,
  randomNormal,
  reshape,
  type Scalar,
  scalar,
  serialization,
  softplus,
  sub,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable } from '@tensorflow/tfjs-layers';
import {
  checkFiniteNumber,
  checkPositiveInteger,
  deriveSeed,
  InvalidArgumentError,
  type LayerCallKwargs as Kwargs,
  type LayerShape as Shape,
  ShapeError,
  singleInput,
  singleShape,
} from '@uqjs/core';
import {
  activate,
  type BayesianLayerArgs,
  BayesianSettingsLayer,
  settingsConfig,
  softplusInverse,
} from './bayesian-layer.js';
import { gaussianKl } from './gaussian-kl.js';

const FN = 'Rank1BayesianDense';

/**
 * Arguments of {@link Rank1BayesianDense}. Of the shared Bayesian arguments, `priorStd` is the
 * prior standard deviation of every factor (around `priorMean`), `initStd` the factors'
 * posterior standard deviation at initialization and `numExamples` the KL divisor `N`; the
 * shared kernel and the biases are deterministic. With `seed`, weight `w` is initialized from
 * `deriveSeed(seed, 'init', w)` (`w` in `'kernel'`, `'r'`, `'s'`) and call `i` draws from
 * `deriveSeed(seed, 'call', i)`; {@link rank1Predict} sets a seed per pass instead.
 *
 * @since 0.1.0
 */
export interface Rank1BayesianDenseArgs extends BayesianLayerArgs {
  /** Output width `U` per member. */
  units: number;
  /** Number of members `M` (mixture components of the factors' posterior). */
  members: number;
  /** Mean of the prior `N(priorMean, priorStd^2)` on every factor entry. Default `1`. */
  priorMean?: number;
}

/** Standard deviation of the factor means' initialization `N(1, 0.5^2)`. */
const INIT_MEAN_STD = 0.5;

/**
 * A rank-1 Bayesian dense layer (Dusenberry et al., 2020, "Efficient and Scalable Bayesian
 * Neural Nets with Rank-1 Factors"): `M` members share one deterministic kernel `W` `[D, U]`;
 * member `m` has Gaussian factors `r_m ~ N(rMean_m, rStd_m^2)` `[D]` and
 * `s_m ~ N(sMean_m, sStd_m^2)` `[U]` (mean-field, `std = softplus(rho)`) and a deterministic
 * bias `b_m` `[U]`, and computes `y_m = activation(((x o r_m) W) o s_m + b_m)`, a dense layer
 * with the kernel `W o (r_m s_m^T)`. Each call draws one `r_m`, `s_m` per member, shared by the
 * rows. The prior on every factor entry is `N(priorMean, priorStd^2)` (default `N(1, 1)`); the
 * layer's loss is the members' mean KL divided by `numExamples`,
 * `sum_m [KL(q(r_m) || p) + KL(q(s_m) || p)] / (M N)` (the average member's ELBO term, which
 * `model.fit` adds to the data loss averaged over rows and members).
 *
 * Members and rows as in `BatchEnsembleDense` (`@uqjs/ensembles`): input `[B, D]` (every member
 * sees every row) or `[B, M, D]` (one row per member, from a previous rank-1 or BatchEnsemble
 * layer); output `[B, M, U]`. Train with the targets repeated per member
 * (`[B, K] -> [B, M, K]`); predict with {@link rank1Predict}.
 *
 * Weights: `kernel` `[D, U]` (Glorot uniform), `r_mean`, `r_rho` `[M, D]`, `s_mean`, `s_rho`
 * `[M, U]` (means from `N(1, 0.5^2)`, so members start apart; `rho = softplusInverse(initStd)`),
 * `bias` `[M, U]` (zeros).
 *
 * @example
 * ```ts
 * const model = tf.sequential();
 * model.add(new Rank1BayesianDense({ inputShape: [2], units: 16, members: 4, activation: 'relu', numExamples: 200, seed: 1 }));
 * model.add(new Rank1BayesianDense({ units: 2, members: 4, activation: 'softmax', numExamples: 200, seed: 2 }));
 * // model.predict(x [B, 2]) -> [B, 4, 2]
 * ```
 * @since 0.1.0
 */
export class Rank1BayesianDense extends BayesianSettingsLayer {
  /** @nocollapse */
  static className = 'Rank1BayesianDense';
  /** Output width `U` per member. */
  readonly units: number;
  /** Number of members `M`. */
  readonly members: number;
  /** The factors' prior mean. */
  readonly priorMean: number;
  private kernel: LayerVariable | null = null;
  private rMean: LayerVariable | null = null;
  private rRho: LayerVariable | null = null;
  private sMean: LayerVariable | null = null;
  private sRho: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: Rank1BayesianDenseArgs) {
    super(args, FN, 'units, members, priorMean?');
    this.units = checkPositiveInteger(args.units, 'units', FN);
    this.members = checkPositiveInteger(args.members, 'members', FN);
    this.priorMean = checkFiniteNumber(args.priorMean ?? 1, 'priorMean', FN);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, FN);
    const m = this.members;
    const inputDim = shape.at(-1);
    const rankOk = shape.length === 2 || (shape.length === 3 && shape[1] === m);
    if (!rankOk || typeof inputDim !== 'number' || inputDim < 1) {
      throw new ShapeError({
        fn: FN,
        argument: 'inputShape',
        expected: `[B, D] or [B, ${m}, D] with a known D >= 1`,
        given: shape,
      });
    }
    const seeded = (label: string) =>
      this.seed === undefined ? {} : { seed: deriveSeed(this.seed, 'init', label) };
    const factorMean = (label: string) =>
      initializers.randomNormal({ mean: 1, stddev: INIT_MEAN_STD, ...seeded(label) });
    const rho = initializers.constant({ value: softplusInverse(this.initStd) });
    const u = this.units;
    this.kernel = this.addWeight(
      'kernel',
      [inputDim, u],
      'float32',
      initializers.glorotUniform(seeded('kernel')),
    );
    this.rMean = this.addWeight('r_mean', [m, inputDim], 'float32', factorMean('r'));
    this.rRho = this.addWeight('r_rho', [m, inputDim], 'float32', rho);
    this.sMean = this.addWeight('s_mean', [m, u], 'float32', factorMean('s'));
    this.sRho = this.addWeight('s_rho', [m, u], 'float32', rho);
    if (this.useBias) this.bias = this.addWeight('bias', [m, u], 'float32', initializers.zeros());
    // The KL term joins the losses `model.fit` adds to the data loss on every step.
    this.addLoss(() => this.klDivergence());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, FN);
    return [shape[0] ?? null, this.members, this.units];
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = singleInput(inputs, `${FN}.call`);
      const { rMean, rStd, sMean, sStd } = this.posterior();
      const seed = this.callSeeds.next();
      const seedOf = (label: string) => (seed === undefined ? undefined : deriveSeed(seed, label));
      // One draw of each member's factors, shared by the rows: r [M, D], s [M, U].
      const r = add(rMean, mul(rStd, randomNormal(rMean.shape, 0, 1, 'float32', seedOf('r'))));
      const s = add(sMean, mul(sStd, randomNormal(sMean.shape, 0, 1, 'float32', seedOf('s'))));
      const rows = x.shape[0]!;
      const d = x.shape[x.rank - 1]!;
      const m = this.members;
      // [B, D] -> [B, 1, D]: one input row feeds every member; [B, M, D] stays.
      const perMember = x.rank === 2 ? expandDims(x, 1) : x;
      // [B, M or 1, D] * r [M, D] -> [B, M, D], flattened to [B * M, D] for one shared
      // matmul with W [D, U], then back to [B, M, U].
      const scaled = reshape(mul(perMember, r), [rows * m, d]);
      const projected = reshape(matMul(scaled, this.kernel!.read()), [rows, m, this.units]);
      // [B, M, U] * s [M, U] (+ b [M, U]), broadcast over the rows.
      let out = mul(projected, s);
      if (this.bias !== null) out = add(out, this.bias.read());
      return activate(this.activation, out);
    });
  }

  /**
   * The members' mean KL divergence of the factors' posterior from the prior
   * `N(priorMean, priorStd^2)`, divided by `numExamples`: the loss this layer adds. A scalar.
   *
   * @throws {InvalidArgumentError} before the layer is built.
   */
  klDivergence(): Scalar {
    return tidy(() => {
      const { rMean, rStd, sMean, sStd } = this.posterior();
      // KL(N(mean, std^2) || N(priorMean, p^2)) = KL(N(mean - priorMean, std^2) || N(0, p^2)).
      const shift = scalar(this.priorMean);
      const kl = add(
        gaussianKl(sub(rMean, shift), rStd, this.priorStd),
        gaussianKl(sub(sMean, shift), sStd, this.priorStd),
      );
      return mul(kl, scalar(1 / (this.members * this.numExamples))) as Scalar;
    });
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...settingsConfig(this),
      units: this.units,
      members: this.members,
      priorMean: this.priorMean,
    };
  }

  /** The factors' posterior means and standard deviations `softplus(rho)`. */
  private posterior(): { rMean: Tensor; rStd: Tensor; sMean: Tensor; sStd: Tensor } {
    if (this.rMean === null || this.rRho === null || this.sMean === null || this.sRho === null) {
      throw new InvalidArgumentError({
        fn: `${FN}.klDivergence`,
        argument: 'layer',
        expected: 'a built layer (call it or add it to a model first)',
        given: 'an unbuilt layer',
      });
    }
    return {
      rMean: this.rMean.read(),
      rStd: softplus(this.rRho.read()),
      sMean: this.sMean.read(),
      sStd: softplus(this.sRho.read()),
    };
  }
}

serialization.registerClass(Rank1BayesianDense);
