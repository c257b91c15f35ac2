import {
  add,
  addN,
  cast,
  div,
  engine,
  getBackend,
  getKernel,
  isFinite as isFiniteTensor,
  mul,
  type NamedTensorMap,
  Optimizer,
  type serialization,
  sqrt,
  square,
  stack,
  sub,
  sum,
  type Tensor,
  tidy,
  util,
  type Variable,
  where,
  zerosLike,
} from '@tensorflow/tfjs-core';
import {
  checkInRange,
  checkPositive,
  DataError,
  InvalidArgumentError,
  ShapeError,
} from '@uqjs/core';
import { ADAM_UPDATE, type AdamUpdateAttrs } from './kernels/adam-update.js';

/** A tensor with the name it is saved under (tfjs-core's `NamedTensor`, not re-exported). */
type NamedTensor = Parameters<Optimizer['setWeights']>[0][number];

const FN = 'fusedAdam';

/** An optimizer-owned variable and the name it is saved under (`<weight name>/m` or `/v`). */
interface SlotVariable {
  readonly originalName: string;
  readonly variable: Variable;
}

/** One weight's update from the composed tfjs ops: `[w', m', v']` (the fallback path). */
function composedAdamUpdate(
  weight: Tensor,
  gradient: Tensor,
  firstMoment: Tensor,
  secondMoment: Tensor,
  a: AdamUpdateAttrs,
): [Tensor, Tensor, Tensor] {
  const m = add(mul(firstMoment, a.beta1), mul(gradient, 1 - a.beta1));
  const v = add(mul(secondMoment, a.beta2), mul(square(gradient), 1 - a.beta2));
  const denominator = add(sqrt(div(v, a.secondCorrection)), a.epsilon);
  const w = sub(weight, mul(div(m, denominator), a.learningRate / a.firstCorrection));
  return [w, m, v];
}

function checkBeta(value: unknown, argument: string): number {
  const beta = checkInRange(value, argument, FN, 0, 1);
  if (beta === 1) {
    throw new InvalidArgumentError({
      fn: FN,
      argument,
      expected: 'a number in [0, 1)',
      given: value,
    });
  }
  return beta;
}

/** Throws a {@link ShapeError} naming `argument` unless `tensor` has the shape of `weight`. */
function checkLike(tensor: Tensor, weight: Variable, argument: string): void {
  if (!util.arraysEqual(tensor.shape, weight.shape)) {
    throw new ShapeError({
      fn: `${FN}.applyGradients`,
      argument,
      expected: `of shape [${weight.shape}], the shape of variable '${weight.name}'`,
      given: tensor.shape,
    });
  }
}

/**
 * Adam (Kingma & Ba) with the same update, state, saved weights and config as tfjs-core's
 * `AdamOptimizer`, but one fused kernel per weight tensor where the active backend has one
 * (`enableFastWasmTraining` registers it for `wasm`): the stock optimizer runs about fourteen
 * element-wise kernels per weight, a quarter of a training step of the paper's MLP on wasm.
 * On other backends it composes tfjs ops (ten per weight).
 *
 * Its class name is `'Adam'`, so a model saved with it (`includeOptimizer: true`) loads with
 * the stock optimizer, and `setWeights` accepts the stock optimizer's weights: the iteration
 * count, then the first moments `<weight>/m`, then the second moments `<weight>/v`, matched
 * to the gradients by position, as tfjs does.
 *
 * @since 0.1.0
 */
export class FusedAdamOptimizer extends Optimizer {
  /** @nocollapse */
  static get className(): string {
    return 'Adam';
  }

  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private firstMoments: SlotVariable[] = [];
  private secondMoments: SlotVariable[] = [];

  /**
   * @param learningRate step size `> 0`.
   * @param beta1 decay of the first-moment average, in `[0, 1)`.
   * @param beta2 decay of the second-moment average, in `[0, 1)`.
   * @param epsilon `> 0`, added to the root of the second moment; default the backend's
   *   epsilon (`1e-7` for float32), as `tf.train.adam`.
   * @throws {InvalidArgumentError} naming the argument out of range.
   */
  constructor(learningRate: number, beta1: number, beta2: number, epsilon?: number | null) {
    super();
    this.learningRate = checkPositive(learningRate, 'learningRate', FN);
    this.beta1 = checkBeta(beta1, 'beta1');
    this.beta2 = checkBeta(beta2, 'beta2');
    this.epsilon =
      epsilon === undefined || epsilon === null
        ? engine().backend.epsilon()
        : checkPositive(epsilon, 'epsilon', FN);
  }

  /**
   * Applies one Adam step to every variable named in `variableGradients` (a map from variable
   * name to gradient, or `{ name, tensor }` pairs, as tfjs passes them). Gradients are not
   * disposed; a `null` gradient skips its variable.
   *
   * A gradient holding NaN or +-Infinity leaves every weight and moment unchanged. On the
   * `cpu`, `wasm` and `tensorflow` backends (tensors in host memory) it throws a `DataError`
   * naming the gradient, after reading one number per gradient. On GPU backends (`webgl`,
   * `webgpu`) nothing is read back (a sync read would stall the device): the step is masked
   * on the device, so the weights keep their values, and the iteration count still advances.
   *
   * @throws {InvalidArgumentError} for a name that is not a registered variable.
   * @throws {ShapeError} when a gradient's shape differs from its variable's (checked for every
   *   pair before any weight changes).
   * @throws {DataError} for a non-finite gradient on a host-memory backend (before any weight
   *   changes).
   */
  override applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const pairs: [string, Tensor | null | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map(({ name, tensor }) => [name, tensor])
      : Object.entries(variableGradients);
    const step = this.iterations + 1;
    const attrs: AdamUpdateAttrs = {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      firstCorrection: 1 - this.beta1 ** step,
      secondCorrection: 1 - this.beta2 ** step,
    };
    const fused = getKernel(ADAM_UPDATE, getBackend()) !== undefined;
    // Check every pair before changing any weight, so a bad one leaves the model as it was.
    const updates = pairs.map(([name, gradient], i) => {
      const weight = engine().registeredVariables[name];
      if (weight === undefined) {
        throw new InvalidArgumentError({
          fn: `${FN}.applyGradients`,
          argument: 'variableGradients',
          expected: 'gradients keyed by the names of registered variables',
          given: name,
        });
      }
      this.firstMoments[i] ??= slotFor(weight, 'm');
      this.secondMoments[i] ??= slotFor(weight, 'v');
      const first = this.firstMoments[i];
      const second = this.secondMoments[i];
      if (gradient === null || gradient === undefined) return null;
      checkLike(gradient, weight, `the gradient of '${name}'`);
      // Moments restored by setWeights for another model would not match.
      checkLike(first.variable, weight, `the optimizer state '${first.originalName}'`);
      checkLike(second.variable, weight, `the optimizer state '${second.originalName}'`);
      return { weight, gradient, first: first.variable, second: second.variable };
    });
    const present = updates.filter((update) => update !== null);
    // Non-finite gradients: on host-memory backends a read of one number per gradient names
    // the bad one before any weight changes; elsewhere the step is masked on the device.
    const hostMemory = HOST_MEMORY_BACKENDS.has(getBackend());
    if (hostMemory) checkFiniteGradients(present);
    tidy(() => {
      // true when every gradient is finite (x * 0 is NaN for NaN and +-Infinity); only on the
      // device path, where a bad step keeps every weight and moment as it was.
      const ok = hostMemory ? null : allFinite(present.map((update) => update.gradient));
      const keep = (next: Tensor, current: Tensor): Tensor =>
        ok === null ? next : where(ok, next, current);
      for (const { weight, gradient, first, second } of present) {
        const [w, m, v] =
          fused && weight.dtype === 'float32' && gradient.dtype === 'float32'
            ? (engine().runKernel(
                ADAM_UPDATE,
                { variable: weight, gradient, firstMoment: first, secondMoment: second },
                { ...attrs },
              ) as Tensor[])
            : composedAdamUpdate(weight, gradient, first, second, attrs);
        first.assign(keep(m!, first));
        second.assign(keep(v!, second));
        weight.assign(keep(w!, weight));
      }
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const slot of [...this.firstMoments, ...this.secondMoments]) slot.variable.dispose();
    this.firstMoments = [];
    this.secondMoments = [];
  }

  /** `[iterations, ...first moments, ...second moments]`, the stock Adam layout. */
  override async getWeights(): Promise<NamedTensor[]> {
    return [
      await this.saveIterations(),
      ...[...this.firstMoments, ...this.secondMoments].map((slot) => ({
        name: slot.originalName,
        tensor: slot.variable,
      })),
    ];
  }

  /**
   * Restores what {@link getWeights} (or the stock `AdamOptimizer`) saved; the tensors become
   * the optimizer's state (copied into new variables) and the previous state is disposed.
   *
   * @throws {DataError} when the moments do not come in pairs.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const moments = await this.extractIterations(weightValues);
    if (moments.length % 2 !== 0) {
      throw new DataError(
        `${FN}.setWeights: weightValues must be the iteration count followed by first and ` +
          `second moments in equal numbers, got ${moments.length} moment tensors`,
      );
    }
    this.dispose();
    const half = moments.length / 2;
    const toSlot = ({ name, tensor }: NamedTensor): SlotVariable => ({
      originalName: name,
      variable: tensor.variable(false),
    });
    this.firstMoments = moments.slice(0, half).map(toSlot);
    this.secondMoments = moments.slice(half).map(toSlot);
  }

  override getConfig(): serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
  }

  /** @nocollapse */
  static override fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    return new cls(config.learningRate, config.beta1, config.beta2, config.epsilon);
  }
}

/** Backends whose tensors live in host memory, where reading one number per step is cheap. */
const HOST_MEMORY_BACKENDS = new Set(['cpu', 'wasm', 'tensorflow']);

/** A boolean scalar: whether every entry of every gradient is finite; `null` for none. */
function allFinite(gradients: readonly Tensor[]): Tensor | null {
  if (gradients.length === 0) return null;
  // sum(g * 0) is 0 for a finite g and NaN when any entry is NaN or infinite.
  return tidy(() =>
    isFiniteTensor(sumScalars(gradients.map((g) => sum(mul(cast(g, 'float32'), 0))))),
  );
}

/**
 * The sum of scalar tensors, at most 4 per AddN kernel: a WebGPU device caps the storage buffers
 * of one kernel (Mesa lavapipe: 8), and tfjs-backend-webgpu's AddN binds one per input.
 */
function sumScalars(terms: readonly Tensor[]): Tensor {
  let level = terms;
  while (level.length > 1) {
    const next: Tensor[] = [];
    for (let i = 0; i < level.length; i += 4) {
      const group = level.slice(i, i + 4);
      next.push(group.length === 1 ? group[0]! : addN(group));
    }
    level = next;
  }
  return level[0]!;
}

/** Throws a `DataError` naming the first gradient that holds NaN or +-Infinity. */
function checkFiniteGradients(
  updates: readonly { readonly weight: Variable; readonly gradient: Tensor }[],
): void {
  if (updates.length === 0) return;
  // sync read: one number per gradient, on host-memory backends only (issue 19.17)
  const sums = tidy(() =>
    stack(updates.map(({ gradient }) => sum(mul(cast(gradient, 'float32'), 0)))).dataSync(),
  );
  const bad = sums.findIndex((value) => !Number.isFinite(value));
  if (bad < 0) return;
  throw new DataError(
    `${FN}.applyGradients: the gradient of '${updates[bad]!.weight.name}' holds NaN or ` +
      'infinite values; no weight was updated',
  );
}

function slotFor(weight: Variable, suffix: 'm' | 'v'): SlotVariable {
  return {
    originalName: `${weight.name}/${suffix}`,
    variable: tidy(() => zerosLike(weight).variable(false)),
  };
}

/**
 * A drop-in for `tf.train.adam` (same arguments, same numbers to float32 rounding) that runs
 * one fused kernel per weight tensor on backends that register it: `wasm` after
 * {@link enableFastWasmTraining} (which `resolveBackend` calls). Use it wherever an optimizer
 * is passed: `model.compile({ optimizer: fusedAdam(1e-3), ... })`, `optimizer.minimize(...)`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-layers'; // registers tfjs-core's gradients (tfjs-core alone has none)
 * import { fusedAdam, resolveBackend } from '@uqjs/backend';
 * await resolveBackend();
 * const w = tf.variable(tf.tensor1d([1, -2]));
 * const optimizer = fusedAdam(0.1);
 * optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
 * w.print(); // [0.9, -1.9]: Adam's first step moves each weight by the learning rate
 * ```
 * @param learningRate step size `> 0`, default `0.001`.
 * @param beta1 first-moment decay in `[0, 1)`, default `0.9`.
 * @param beta2 second-moment decay in `[0, 1)`, default `0.999`.
 * @param epsilon `> 0`, default the backend's epsilon (`1e-7` for float32).
 * @throws {InvalidArgumentError} naming the argument out of range.
 * @since 0.1.0
 */
export function fusedAdam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon?: number,
): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
