import {
  dispose,
  gather,
  type Optimizer,
  type Tensor,
  tensor1d,
  tensor2d,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import {
  checkAllFinite,
  checkLabels,
  checkOneOf,
  checkOptionsObject,
  checkPositive,
  checkPositiveInteger,
  checkRank,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  Rng,
  type Seed,
  ShapeError,
} from '@uqjs/core';
import { type BuildModel, DeepEnsemble, type MemberContext, memberLoss } from './deep-ensemble.js';
import { ENSEMBLE_OUTPUTS, type EnsembleOutput } from './ensemble-manifest.js';
import { DEFAULT_HEAD_EPS } from './regression-head.js';
import { trainMember } from './train-member.js';

/**
 * Options of {@link kFoldEnsemble}.
 *
 * @since 0.1.0
 */
export interface KFoldEnsembleOptions {
  /** Number of folds and members `k`, in `[2, N]`. */
  readonly k: number;
  /** The one seed of the folds, the members' initializations and their training. Default `0`. */
  readonly seed?: number;
  /**
   * What each member outputs, as in `DeepEnsemble.create`: `'probabilities'` (softmax layer;
   * the default) or `'logits'` `[B, K]` for classification, or a heteroscedastic regression
   * head `[B, 2]` (mean, raw dispersion) read as `'gaussian'` or `'laplace'`.
   */
  readonly output?: EnsembleOutput;
  /** Floor of the regression heads' softplus. Default `1e-6`. */
  readonly eps?: number;
  /** Most passes over the training folds per member. Default `20`. */
  readonly epochs?: number;
  /** Epochs without a lower held-out loss before a member stops. Default `3`. */
  readonly patience?: number;
  /** Rows per gradient step. Default `32`. */
  readonly batchSize?: number;
  /** Adam learning rate when no `optimizer` is given. Default `1e-3`. */
  readonly learningRate?: number;
  /** A fresh optimizer per member. Default: `tf.train.adam(learningRate)`. */
  readonly optimizer?: (member: MemberContext) => Optimizer;
  /** Called after every epoch of every member with its training and held-out losses. */
  readonly onEpochEnd?: (member: number, epoch: number, loss: number, heldOutLoss: number) => void;
}

/**
 * What {@link kFoldEnsemble} returns.
 *
 * @since 0.1.0
 */
export interface KFoldEnsembleResult {
  /** The trained members as a `DeepEnsemble` (predict, save, load, dispose as usual). */
  readonly ensemble: DeepEnsemble;
  /** `folds[i]`: the sorted row indices of fold `i`, member `i`'s held-out rows. */
  readonly folds: Int32Array[];
  /** Mean training objective per member and epoch run, `[k][epochs run]`. */
  readonly loss: number[][];
  /**
   * Held-out loss per member and epoch run, `[k][epochs run]`: the mean cross-entropy, or the
   * mean Gaussian / Laplace NLL for regression.
   */
  readonly heldOutLoss: number[][];
  /** Per member, the epoch whose weights were kept (the lowest held-out loss). */
  readonly bestEpoch: number[];
}

/**
 * Splits rows `0..n-1` into `k` folds: a `Rng(seed)` permutation cut into `k` consecutive
 * runs of `floor(n / k)` or `ceil(n / k)` rows (run `i` is `perm[floor(i n / k), floor((i + 1) n / k))`),
 * each returned sorted. The folds partition the rows.
 *
 * @since 0.1.0
 */
export function kFoldSplit(n: number, k: number, seed: Seed): Int32Array[] {
  const fn = 'kFoldSplit';
  checkPositiveInteger(n, 'n', fn);
  checkPositiveInteger(k, 'k', fn);
  if (k < 2 || k > n) {
    throw new InvalidArgumentError({
      fn,
      argument: 'k',
      expected: `an integer in [2, ${n}] (n)`,
      given: k,
    });
  }
  const order = new Rng(checkSeed(seed, 'seed', fn)).permutation(n);
  return Array.from({ length: k }, (_, i) =>
    Int32Array.from(order.subarray(Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k))).sort(),
  );
}

/**
 * A k-fold ensemble: `k` members where member `i` trains on every fold but fold `i` and
 * early-stops on fold `i` (its held-out fold), so each member has seen a different
 * `(k - 1) / k` of the data and the members disagree where the data is thin.
 *
 * The members are built by `DeepEnsemble.create(buildModel, { size: k, seed, output })` and
 * trained like `DeepEnsemble.fit` trains them (the same minibatch loop, checks and seeding):
 * epoch `e` of member `i` runs with the training seed
 * `deriveSeed(deriveSeed(seed, 'member', i), 'kfold', e)`, with `DeepEnsemble.fit`'s loss
 * (cross-entropy, or `gaussianNll` / `laplaceNll` for regression). After every epoch the
 * member's mean loss on its held-out fold is computed in inference mode; training stops after
 * `patience` epochs without a lower one (or after `epochs`), and the weights of the epoch with
 * the lowest held-out loss are restored. The folds are `kFoldSplit(N, k, deriveSeed(seed, 'folds'))`.
 *
 * Shapes: `x` `[N, ...]`; `y` labels `[N]` or one-hot / soft targets `[N, K]`, or for
 * regression one target per row, `[N]` or `[N, 1]`.
 *
 * @example
 * ```ts
 * const { ensemble, folds } = await kFoldEnsemble(() => buildMlp(), x, y, { k: 5, seed: 1 });
 * const { probs, members } = ensemble.predict(xTest); // members [5, N, K]
 * const reg = await kFoldEnsemble(() => buildHead(), x, t, { k: 5, output: 'gaussian' });
 * const { mean, variance } = reg.ensemble.predictRegression(xTest); // mixture moments [N]
 * ```
 * @since 0.1.0
 */
export async function kFoldEnsemble(
  buildModel: BuildModel,
  x: Tensor,
  y: Tensor,
  options: KFoldEnsembleOptions,
): Promise<KFoldEnsembleResult> {
  const fn = 'kFoldEnsemble';
  // Left out, the options read as {} and the error names the missing options.k.
  const opts = checkOptionsObject(
    options,
    'options',
    fn,
    'an object { k, seed?, epochs?, patience?, ... }',
  );
  const rows = x?.shape?.[0] ?? 0;
  if (rows < 2) {
    throw new ShapeError({
      fn,
      argument: 'x',
      expected: 'a tensor with at least 2 rows',
      given: x?.shape,
    });
  }
  const k = checkPositiveInteger(opts.k, 'options.k', fn);
  if (k < 2 || k > rows) {
    throw new InvalidArgumentError({
      fn,
      argument: 'options.k',
      expected: `an integer in [2, ${rows}] (the rows of x)`,
      given: k,
    });
  }
  const seed = checkSeed(opts.seed ?? 0, 'options.seed', fn);
  const output = checkOneOf(opts.output ?? 'probabilities', ENSEMBLE_OUTPUTS, 'options.output', fn);
  const eps = checkPositive(opts.eps ?? DEFAULT_HEAD_EPS, 'options.eps', fn);
  const epochs = checkPositiveInteger(opts.epochs ?? 20, 'options.epochs', fn);
  const patience = checkPositiveInteger(opts.patience ?? 3, 'options.patience', fn);
  const batchSize = checkPositiveInteger(opts.batchSize ?? 32, 'options.batchSize', fn);
  const learningRate = checkPositive(opts.learningRate ?? 1e-3, 'options.learningRate', fn);
  checkAllFinite(await x.data(), 'x', fn);
  const ensemble = DeepEnsemble.create(buildModel, { size: k, seed, output, eps });
  const folds = kFoldSplit(rows, k, deriveSeed(seed, 'folds'));
  let targets: Tensor | null = null;
  try {
    targets =
      output === 'gaussian' || output === 'laplace'
        ? await regressionTargets(y, rows, fn)
        : await classTargets(y, rows, ensemble.members[0]!.outputs[0]!.shape[1]!, fn);
    const loss = memberLoss(output, eps);
    const result: KFoldEnsembleResult = {
      ensemble,
      folds,
      loss: [],
      heldOutLoss: [],
      bestEpoch: [],
    };
    for (let i = 0; i < k; i++) {
      const member: MemberContext = { index: i, seed: deriveSeed(seed, 'member', i) };
      const heldOut = folds[i]!;
      const inFold = new Uint8Array(rows);
      for (const r of heldOut) inFold[r] = 1;
      const trainRows = Int32Array.from({ length: rows }, (_, r) => r).filter(
        (r) => inFold[r] === 0,
      );
      const [xTrain, yTrain, xHeld, yHeld] = tidy(() => {
        const tr = tensor1d(trainRows, 'int32');
        const ho = tensor1d(heldOut, 'int32');
        return [gather(x, tr), gather(targets!, tr), gather(x, ho), gather(targets!, ho)];
      });
      const optimizer = opts.optimizer?.(member) ?? train.adam(learningRate);
      const model = ensemble.members[i]!;
      const history: number[] = [];
      const held: number[] = [];
      let best: Tensor[] | null = null;
      let bestEpoch = 0;
      try {
        for (let epoch = 0; epoch < epochs; epoch++) {
          const [trainLoss] = await trainMember(model, {
            x: xTrain!,
            targets: yTrain!,
            epochs: 1,
            batchSize,
            adversarialEps: 0,
            seed: deriveSeed(member.seed, 'kfold', epoch),
            loss,
            optimizer,
            member: i,
          });
          const heldLoss = tidy(() => loss(yHeld!, model.predict(xHeld!, { batchSize }) as Tensor));
          const [value] = await heldLoss.data();
          heldLoss.dispose();
          history.push(trainLoss!);
          held.push(value!);
          opts.onEpochEnd?.(i, epoch, trainLoss!, value!);
          if (best === null || value! < held[bestEpoch]!) {
            if (best !== null) dispose(best);
            best = model.getWeights().map((w) => w.clone());
            bestEpoch = epoch;
          } else if (epoch - bestEpoch >= patience) {
            break;
          }
        }
        model.setWeights(best!);
      } finally {
        if (best !== null) dispose(best);
        optimizer.dispose();
        dispose([xTrain!, yTrain!, xHeld!, yHeld!]);
      }
      result.loss.push(history);
      result.heldOutLoss.push(held);
      result.bestEpoch.push(bestEpoch);
    }
    return result;
  } catch (error) {
    ensemble.dispose();
    throw error;
  } finally {
    targets?.dispose();
  }
}

/** Float regression targets `[N]` from `[N]` or `[N, 1]`, built on the CPU side. */
async function regressionTargets(y: Tensor, rows: number, fn: string): Promise<Tensor> {
  checkRank(y, [1, 2], 'y', fn);
  if (y.shape[0] !== rows || (y.rank === 2 && y.shape[1] !== 1)) {
    throw new ShapeError({
      fn,
      argument: 'y',
      expected: `of shape [${rows}] or [${rows}, 1] (one regression target per row)`,
      given: y.shape,
    });
  }
  const values = await y.data();
  checkAllFinite(values, 'y', fn);
  return tensor1d(Float32Array.from(values));
}

/** Float targets `[N, K]` from labels `[N]` or targets `[N, K]`, built on the CPU side. */
async function classTargets(y: Tensor, rows: number, classes: number, fn: string): Promise<Tensor> {
  checkRank(y, [1, 2], 'y', fn);
  const ok = y.shape[0] === rows && (y.rank === 1 || y.shape[1] === classes);
  if (!ok) {
    throw new ShapeError({
      fn,
      argument: 'y',
      expected: `of shape [${rows}] (labels) or [${rows}, ${classes}]`,
      given: y.shape,
    });
  }
  const values = await y.data();
  checkAllFinite(values, 'y', fn);
  if (y.rank === 2) return tensor2d(Float32Array.from(values), [rows, classes]);
  checkLabels(values, classes, 'y', fn);
  // One-hot on the CPU side: no int32 -> float32 cast on the device.
  const oneHot = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) oneHot[r * classes + values[r]!] = 1;
  return tensor2d(oneHot, [rows, classes]);
}
