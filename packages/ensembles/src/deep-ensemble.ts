import {
  cast,
  getBackend,
  mul,
  type Optimizer,
  oneHot,
  reshape,
  type Scalar,
  scalar,
  softmax,
  square,
  stack,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import {
  checkAllFinite,
  checkCount,
  checkFiniteNumber,
  checkLabels,
  checkOneOf,
  checkOptionsObject,
  checkPositive,
  checkPositiveInteger,
  checkProbabilities,
  checkRank,
  checkSeed,
  DataError,
  deriveSeed,
  InvalidArgumentError,
  type Predictive,
  type Seed,
  ShapeError,
  UqjsError,
} from '@uqjs/core';
import { crossEntropy } from './classification-loss.js';
import {
  ENSEMBLE_OUTPUTS,
  type EnsembleManifest,
  type EnsembleOutput,
  MAX_MEMBERS,
  parseManifest,
} from './ensemble-manifest.js';
import { checkEnsembleStore, type EnsembleStore } from './ensemble-store.js';
import { gaussianNll, laplaceNll } from './heteroscedastic-nll.js';
import { membersPredictive } from './members-predictive.js';
import { mixtureMoments } from './mixture-moments.js';
import { DEFAULT_HEAD_EPS, splitHead } from './regression-head.js';
import { withSeededMathRandom } from './seeded-math-random.js';
import { trainMember } from './train-member.js';

/** What the methods' `options` argument must be, in their errors (a `null` is no options object). */
const OPTIONS_EXPECTED = 'an options object (or nothing)';

/**
 * What `buildModel` and a custom `optimizer` factory receive for each member.
 *
 * @since 0.1.0
 */
export interface MemberContext {
  /** Member index in `[0, size)`. */
  readonly index: number;
  /** The member's seed, `deriveSeed(ensembleSeed, 'member', index)`. */
  readonly seed: Seed;
}

/**
 * Builds one member: a fresh, built (input shape known) single-input, single-output
 * tfjs-layers model. It runs with `Math.random` seeded per member, so tfjs's default
 * (unseeded) initializers give each member a different, reproducible initialization; do not
 * fix initializer seeds inside it (or derive them from `member.seed`).
 *
 * @since 0.1.0
 */
export type BuildModel = (member: MemberContext) => LayersModel;

/**
 * Options of {@link DeepEnsemble.create}.
 *
 * @since 0.1.0
 */
export interface DeepEnsembleOptions {
  /** Number of members `M`, at most 1000. */
  size: number;
  /** The one seed every member's initialization, data order and dropout derive from. Default `0`. */
  seed?: number;
  /**
   * What each member outputs: `'probabilities'` (softmax output layer, `[B, K]`; the
   * default), `'logits'` (`[B, K]`, softmax applied by the ensemble), or a heteroscedastic
   * regression head `[B, 2]` read as `'gaussian'` (mean, raw variance) or `'laplace'`
   * (location, raw scale), with `softplus + eps` on the second column.
   */
  output?: EnsembleOutput;
  /** Floor of the regression heads' softplus. Default `1e-6`. */
  eps?: number;
}

/**
 * Options of {@link DeepEnsemble.fit}.
 *
 * @since 0.1.0
 */
export interface DeepEnsembleFitOptions {
  /** Passes over the data per member. Default `10`. */
  epochs?: number;
  /** Rows per gradient step. Default `32`. */
  batchSize?: number;
  /** Adam learning rate when no `optimizer` is given. Default `1e-3`. */
  learningRate?: number;
  /** A fresh optimizer per member and `fit` call. Default: `tf.train.adam(learningRate)`. */
  optimizer?: (member: MemberContext) => Optimizer;
  /**
   * Fast-gradient-sign step for adversarial training, in input units; `0` (default) turns
   * it off. The deep-ensembles paper uses 1% of the input range.
   */
  adversarialEps?: number;
  /** Called after every epoch of every member with the epoch's mean objective. */
  onEpochEnd?: (member: number, epoch: number, loss: number) => void;
}

/**
 * What {@link DeepEnsemble.fit} reports.
 *
 * @since 0.1.0
 */
export interface DeepEnsembleFitResult {
  /** Mean training objective per member and epoch, `[M][epochs]`. */
  readonly loss: number[][];
}

/**
 * The predictive of a regression ensemble. A plain object of tensors: dispose it with
 * `tf.dispose(prediction)`.
 *
 * @since 0.1.0
 */
export type RegressionPredictive = {
  /** Mixture mean `[N]`. */
  readonly mean: Tensor1D;
  /** Mixture variance `[N]`: mean member variance (aleatoric) + variance of member means (epistemic). */
  readonly variance: Tensor1D;
  /** Member means `[M, N]`. */
  readonly memberMeans: Tensor2D;
  /** Member variances `[M, N]`: `sigma^2` (Gaussian) or `2 b^2` (Laplace). */
  readonly memberVariances: Tensor2D;
};

/**
 * Options of {@link DeepEnsemble.predict} and {@link DeepEnsemble.predictRegression}.
 *
 * @since 0.1.0
 */
export interface DeepEnsemblePredictOptions {
  /** Rows per forward pass. Default `128`. */
  batchSize?: number;
}

/**
 * A deep ensemble (Lakshminarayanan, Pritzel and Blundell, 2017): `M` copies of a network
 * trained independently from different random initializations and data orders, whose
 * predictions are averaged as probabilities (classification) or combined as an equally
 * weighted mixture (heteroscedastic regression, `mixtureMoments`).
 *
 * Every random choice derives from one seed: member `m` is built and trained from
 * `deriveSeed(seed, 'member', m)`, so the same seed gives the same ensemble on the same
 * backend.
 *
 * Shapes: `x` `[N, ...]`; `predict` gives `members` `[M, N, K]`, `probs` and `variance`
 * `[N, K]`; `predictRegression` gives `[N]` moments and `[M, N]` member moments.
 *
 * @example
 * ```ts
 * const ensemble = DeepEnsemble.create(() => buildMlp(), { size: 5, seed: 1 });
 * await ensemble.fit(xTrain, yTrain, { epochs: 20, batchSize: 32 });
 * const { probs, members } = ensemble.predict(xTest); // members [5, N, K]
 * await ensemble.save(ensembleDirectory('/tmp/ensemble')); // from '@uqjs/ensembles/node'
 * ```
 * @since 0.1.0
 */
export class DeepEnsemble {
  /** The member models, in order. */
  readonly members: readonly LayersModel[];
  /** The ensemble's seed. */
  readonly seed: Seed;
  /** What each member outputs. */
  readonly output: EnsembleOutput;
  /** Floor of the regression heads' softplus. */
  readonly eps: number;
  private fits: number;
  private disposed = false;

  private constructor(
    members: LayersModel[],
    seed: Seed,
    output: EnsembleOutput,
    eps: number,
    fits: number,
  ) {
    this.members = members;
    this.seed = seed;
    this.output = output;
    this.eps = eps;
    this.fits = fits;
  }

  /** Number of members `M`. */
  get size(): number {
    return this.members.length;
  }

  /**
   * Builds `size` members with `buildModel`, each inside a scope that seeds tfjs's default
   * initializers from the member's seed (see {@link BuildModel}).
   *
   * @throws InvalidArgumentError for a bad option, a `buildModel` that does not return a new
   *   single-output model, an output that does not match `output`, or members 0 and 1
   *   starting from identical weights (initializer seeds fixed inside `buildModel`).
   * @since 0.1.0
   */
  static create(buildModel: BuildModel, options: DeepEnsembleOptions): DeepEnsemble {
    const fn = 'DeepEnsemble.create';
    if (typeof buildModel !== 'function') {
      throw new InvalidArgumentError({
        fn,
        argument: 'buildModel',
        expected: 'a function returning a LayersModel',
        given: buildModel,
      });
    }
    // Left out, the options read as {} and the error names the missing options.size.
    const opts = checkOptionsObject(options, 'options', fn, 'an object { size, seed? }');
    const size = checkCount(opts.size, 'options.size', fn, MAX_MEMBERS);
    const seed = checkSeed(opts.seed ?? 0, 'options.seed', fn);
    const output = checkOneOf(
      opts.output ?? 'probabilities',
      ENSEMBLE_OUTPUTS,
      'options.output',
      fn,
    );
    const eps = checkPositive(opts.eps ?? DEFAULT_HEAD_EPS, 'options.eps', fn);
    const members: LayersModel[] = [];
    try {
      for (let index = 0; index < size; index++) {
        const member = memberContext(seed, index);
        const model = withSeededMathRandom(deriveSeed(member.seed, 'init'), () =>
          buildModel(member),
        );
        checkMemberModel(model, output, `buildModel(member ${index})`, fn);
        if (members.includes(model)) {
          throw new InvalidArgumentError({
            fn,
            argument: 'buildModel',
            expected: 'a function returning a new model per call',
            given: `the same model for members ${members.indexOf(model)} and ${index}`,
          });
        }
        members.push(model);
      }
      checkDistinctInitializations(members, fn);
    } catch (error) {
      for (const model of members) model.dispose();
      throw error;
    }
    return new DeepEnsemble(members, seed, output, eps, 0);
  }

  /**
   * Trains every member on `(x, y)`, one after another, each with its own optimizer, data
   * order and step seeds (see the class notes). Classification targets `y` are labels `[N]`
   * or one-hot/soft targets `[N, K]`; regression targets are `[N]` or `[N, 1]`. The objective
   * is cross-entropy (classification) or `gaussianNll` / `laplaceNll` (regression), plus
   * the model's regularizers, plus the adversarial term when `adversarialEps > 0`.
   *
   * @since 0.1.0
   */
  async fit(
    x: Tensor,
    y: Tensor,
    options: DeepEnsembleFitOptions = {},
  ): Promise<DeepEnsembleFitResult> {
    const fn = 'DeepEnsemble.fit';
    this.checkUsable(fn);
    checkOptionsObject(options, 'options', fn, OPTIONS_EXPECTED);
    const epochs = checkPositiveInteger(options.epochs ?? 10, 'options.epochs', fn);
    const batchSize = checkPositiveInteger(options.batchSize ?? 32, 'options.batchSize', fn);
    const learningRate = checkPositive(options.learningRate ?? 1e-3, 'options.learningRate', fn);
    const adversarialEps = checkFiniteNumber(
      options.adversarialEps ?? 0,
      'options.adversarialEps',
      fn,
    );
    if (adversarialEps < 0) {
      throw new InvalidArgumentError({
        fn,
        argument: 'options.adversarialEps',
        expected: '>= 0',
        given: adversarialEps,
      });
    }
    this.checkInput(x, fn);
    // NaN or infinite data would turn every weight into NaN: reject it up front.
    checkAllFinite(await x.data(), 'x', fn);
    checkRank(y, [1, 2], 'y', fn);
    checkAllFinite(await y.data(), 'y', fn);
    const targets = await this.targets(x, y, fn);
    const fitIndex = this.fits++;
    const loss = memberLoss(this.output, this.eps);
    const history: number[][] = [];
    try {
      for (let index = 0; index < this.members.length; index++) {
        const member = memberContext(this.seed, index);
        const optimizer = options.optimizer?.(member) ?? train.adam(learningRate);
        try {
          history.push(
            await trainMember(this.members[index]!, {
              x,
              targets,
              epochs,
              batchSize,
              adversarialEps,
              seed: deriveSeed(member.seed, 'fit', fitIndex),
              loss,
              optimizer,
              member: index,
              onEpochEnd:
                options.onEpochEnd && ((epoch, value) => options.onEpochEnd!(index, epoch, value)),
            }),
          );
        } finally {
          optimizer.dispose();
        }
      }
    } finally {
      targets.dispose();
    }
    return { loss: history };
  }

  /**
   * Class probabilities of a classification ensemble: members `[M, N, K]`, `probs` their
   * mean, `variance` their population variance over members (`[N, K]`). Each member runs in
   * inference mode.
   *
   * @since 0.1.0
   */
  predict(x: Tensor, options: DeepEnsemblePredictOptions = {}): Predictive {
    const fn = 'DeepEnsemble.predict';
    this.checkUsable(fn);
    checkOptionsObject(options, 'options', fn, OPTIONS_EXPECTED);
    if (this.output === 'gaussian' || this.output === 'laplace') {
      throw new InvalidArgumentError({
        fn,
        argument: 'this.output',
        expected: "'probabilities' or 'logits' (use predictRegression for regression)",
        given: this.output,
      });
    }
    const batchSize = checkPositiveInteger(options.batchSize ?? 128, 'options.batchSize', fn);
    this.checkInput(x, fn);
    const output = this.output;
    return tidy(() => {
      const perMember = this.members.map((model, m) => {
        const out = model.predict(x, { batchSize }) as Tensor;
        if (output === 'logits') return softmax(out);
        // sync read: predict is synchronous; webgpu cannot read back without awaiting, so there
        // the member-0 probability check is skipped.
        if (m === 0 && getBackend() !== 'webgpu')
          checkProbabilities(out.dataSync(), out.shape[1]!, 'member 0 output', fn);
        return out;
      });
      // [M] x [N, K] -> [M, N, K].
      return membersPredictive(stack(perMember, 0));
    }) as Predictive;
  }

  /**
   * The mixture predictive of a regression ensemble (`output` `'gaussian'` or `'laplace'`):
   * mixture `mean` and `variance` `[N]` from `mixtureMoments`, and the member means and
   * variances `[M, N]`.
   *
   * @since 0.1.0
   */
  predictRegression(x: Tensor, options: DeepEnsemblePredictOptions = {}): RegressionPredictive {
    const fn = 'DeepEnsemble.predictRegression';
    this.checkUsable(fn);
    checkOptionsObject(options, 'options', fn, OPTIONS_EXPECTED);
    const kind = this.output;
    if (kind !== 'gaussian' && kind !== 'laplace') {
      throw new InvalidArgumentError({
        fn,
        argument: 'this.output',
        expected: "'gaussian' or 'laplace' (use predict for classification)",
        given: kind,
      });
    }
    const batchSize = checkPositiveInteger(options.batchSize ?? 128, 'options.batchSize', fn);
    this.checkInput(x, fn);
    return tidy(() => {
      const heads = this.members.map((model) =>
        splitHead(model.predict(x, { batchSize }) as Tensor, { eps: this.eps }, fn),
      );
      // [M] x [N] -> [M, N] for the member means and dispersions (variance or Laplace scale).
      const memberMeans = stack(heads.map((h) => h.mean)) as Tensor2D;
      const dispersions = stack(heads.map((h) => h.dispersion)) as Tensor2D;
      // A Laplace member with scale b has variance 2 b^2.
      const memberVariances = (
        kind === 'laplace' ? mul(scalar(2), square(dispersions)) : dispersions
      ) as Tensor2D;
      const { mean, variance } = mixtureMoments(memberMeans, memberVariances, kind);
      return { mean, variance, memberMeans, memberVariances };
    });
  }

  /**
   * Saves the ensemble to `store`: each member through `store.member('member-<i>')`, then the
   * manifest (seed, output, eps, fit count, member names). On Node, `ensembleDirectory(dir)`
   * from `@uqjs/ensembles/node` writes `dir/ensemble.json` and `dir/member-<i>/` (`model.json`
   * + `weights.bin`). Optimizer state is not saved.
   *
   * @since 0.1.0 (an `EnsembleStore` instead of a directory path since 0.2.0)
   */
  async save(store: EnsembleStore): Promise<void> {
    const fn = 'DeepEnsemble.save';
    this.checkUsable(fn);
    const target = checkEnsembleStore(store, fn);
    const names = this.members.map((_, m) => `member-${m}`);
    for (let m = 0; m < this.members.length; m++) {
      await this.members[m]!.save(target.member(names[m]!));
    }
    const manifest: EnsembleManifest = {
      format: 'uqjs-deep-ensemble',
      formatVersion: 1,
      seed: this.seed,
      output: this.output,
      eps: this.eps,
      fits: this.fits,
      members: names,
    };
    await target.writeManifest(`${JSON.stringify(manifest, null, 2)}\n`);
  }

  /**
   * Loads an ensemble saved with {@link DeepEnsemble.save} from `store` (on Node,
   * `ensembleDirectory(dir)` from `@uqjs/ensembles/node`). Custom layers used by the
   * members must be registered first (importing their package does it).
   *
   * @throws DataError when `store` holds no valid ensemble.
   * @since 0.1.0 (an `EnsembleStore` instead of a directory path since 0.2.0)
   */
  static async load(store: EnsembleStore): Promise<DeepEnsemble> {
    const fn = 'DeepEnsemble.load';
    const source = checkEnsembleStore(store, fn);
    const manifestPath = source.location;
    let text: string;
    try {
      text = await source.readManifest();
    } catch (error) {
      throw new DataError(`${fn}: cannot read ${manifestPath}: ${(error as Error).message}`);
    }
    const manifest = parseManifest(text, manifestPath);
    const members: LayersModel[] = [];
    try {
      for (const name of manifest.members) {
        let model: LayersModel;
        try {
          model = await loadLayersModel(source.member(name));
        } catch (error) {
          if (error instanceof UqjsError) throw error;
          // tfjs's own messages (a shape or dtype that does not match the topology, an unknown
          // class) do not say which member or file: add both.
          throw new DataError(
            `${fn}: member ${JSON.stringify(name)} of ${manifestPath} does not load: ${(error as Error).message}`,
          );
        }
        members.push(model);
        checkLoadedMember(model, members[0]!, manifest.output, name, manifestPath, fn);
      }
    } catch (error) {
      for (const model of members) model.dispose();
      throw error;
    }
    return new DeepEnsemble(members, manifest.seed, manifest.output, manifest.eps, manifest.fits);
  }

  /**
   * Frees every member's weights. The ensemble cannot be used afterwards.
   *
   * @since 0.1.0
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const model of this.members) model.dispose();
  }

  private checkUsable(fn: string): void {
    if (this.disposed) throw new UqjsError(`${fn}: the ensemble was disposed`);
  }

  private checkInput(x: Tensor, fn: string): void {
    const rank = this.members[0]!.inputs[0]!.shape.length;
    checkRank(x, rank, 'x', fn);
    if (x.shape[0] === 0)
      throw new ShapeError({ fn, argument: 'x', expected: 'at least one row', given: x.shape });
  }

  /** Training targets: `[N, K]` float for classification, `[N]` for regression. */
  private async targets(x: Tensor, y: Tensor, fn: string): Promise<Tensor> {
    const rows = x.shape[0]!;
    const width = this.members[0]!.outputs[0]!.shape[1]!;
    const regression = this.output === 'gaussian' || this.output === 'laplace';
    checkRank(y, [1, 2], 'y', fn);
    const expected = regression
      ? `[${rows}] or [${rows}, 1]`
      : `[${rows}] (labels) or [${rows}, ${width}]`;
    const ok = y.shape[0] === rows && (y.rank === 1 || y.shape[1] === (regression ? 1 : width));
    if (!ok)
      throw new ShapeError({ fn, argument: 'y', expected: `of shape ${expected}`, given: y.shape });
    if (regression) return tidy(() => reshape(cast(y, 'float32'), [rows]));
    if (y.rank === 1) {
      checkLabels(await y.data(), width, 'y', fn);
      return tidy(() => cast(oneHot(cast(y, 'int32'), width), 'float32'));
    }
    return tidy(() => cast(y, 'float32'));
  }
}

/**
 * The per-batch training loss of a member that outputs `output` (internal; `kFoldEnsemble`
 * trains with it too): cross-entropy of targets `[B, K]` on probabilities or logits `[B, K]`,
 * or `gaussianNll` / `laplaceNll` of targets `[B]` on a `[B, 2]` head with floor `eps`.
 */
export function memberLoss(
  output: EnsembleOutput,
  eps: number,
): (targets: Tensor, output: Tensor) => Scalar {
  switch (output) {
    case 'gaussian':
      return (targets, out) => gaussianNll(targets, out, { eps });
    case 'laplace':
      return (targets, out) => laplaceNll(targets, out, { eps });
    case 'logits':
      return (targets, out) => crossEntropy(targets, out, 'logits');
    default:
      return (targets, out) => crossEntropy(targets, out, 'probabilities');
  }
}

/**
 * A loaded member must be a one-input, one-output model whose output fits `output` and whose
 * input and output shapes equal member 0's (members of different widths cannot be averaged).
 */
function checkLoadedMember(
  model: LayersModel,
  first: LayersModel,
  output: EnsembleOutput,
  name: string,
  manifestPath: string,
  fn: string,
): void {
  try {
    checkMemberModel(model, output, `member ${JSON.stringify(name)}`, fn);
  } catch (error) {
    throw new DataError(`${(error as Error).message} (in ${manifestPath})`);
  }
  const shapes = (m: LayersModel) =>
    JSON.stringify([m.inputs[0]!.shape.slice(1), m.outputs[0]!.shape.slice(1)]);
  if (shapes(model) !== shapes(first)) {
    throw new DataError(
      `${fn}: member ${JSON.stringify(name)} of ${manifestPath} has input and output shapes ` +
        `${shapes(model)}, member 0 has ${shapes(first)}; every member must have the same`,
    );
  }
}

function memberContext(seed: Seed, index: number): MemberContext {
  return { index, seed: deriveSeed(seed, 'member', index) };
}

/** Checks what `buildModel` returned: a built single-input model with the expected output. */
function checkMemberModel(
  model: unknown,
  output: EnsembleOutput,
  argument: string,
  fn: string,
): asserts model is LayersModel {
  const candidate = model as Partial<LayersModel> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.predict !== 'function' ||
    typeof candidate.apply !== 'function' ||
    !Array.isArray(candidate.inputs) ||
    !Array.isArray(candidate.outputs)
  ) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a tfjs-layers model (LayersModel or Sequential)',
      given: model,
    });
  }
  if (candidate.inputs.length !== 1 || candidate.outputs.length !== 1) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a model with one input and one output',
      given: `${candidate.inputs.length} inputs, ${candidate.outputs.length} outputs`,
    });
  }
  const shape = candidate.outputs[0]!.shape;
  const regression = output === 'gaussian' || output === 'laplace';
  const ok = shape.length === 2 && (regression ? shape[1] === 2 : (shape[1] ?? 0) >= 2);
  if (!ok) {
    throw new ShapeError({
      fn,
      argument: `${argument} output`,
      expected: regression
        ? `of shape [B, 2] (mean, raw dispersion) for output '${output}'`
        : `of shape [B, K] with K >= 2 for output '${output}'`,
      given: shape,
    });
  }
}

/** Rejects members 0 and 1 starting from identical weights: the ensemble would be one model. */
function checkDistinctInitializations(members: readonly LayersModel[], fn: string): void {
  if (members.length < 2) return;
  const [a, b] = [members[0]!.trainableWeights, members[1]!.trainableWeights];
  const first = a.findIndex((weight) => (weight.shape as number[]).reduce((x, y) => x * y, 1) > 1);
  // sync read: create is synchronous; webgpu cannot read back without awaiting, so there the
  // identical-initialization check is skipped.
  if (first < 0 || b.length !== a.length || getBackend() === 'webgpu') return;
  const va = a[first]!.read().dataSync();
  const vb = b[first]!.read().dataSync();
  const same = va.length === vb.length && va.every((v, i) => v === vb[i]);
  if (same) {
    throw new InvalidArgumentError({
      fn,
      argument: 'buildModel',
      expected:
        'differently initialized members (do not fix initializer seeds, or derive them from member.seed)',
      given: `members 0 and 1 with identical '${a[first]!.name}'`,
    });
  }
}
