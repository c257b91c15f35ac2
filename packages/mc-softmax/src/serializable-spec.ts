import { serialization } from '@tensorflow/tfjs-core';
import { initializers } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, type Seed } from '@uqjs/core';

/**
 * Initializers and regularizers as layer arguments and in JSON configs (internal).
 *
 * A layer argument is an instance (`initializers.heNormal({ seed: 1 })`, `regularizers.l2()`),
 * the camelCase name of a tfjs-layers initializer (`'glorotUniform'`, `'zeros'`), or the
 * `{ className, config }` JSON that `getConfig` writes (the format of tfjs-layers' own
 * `Dense`), which is turned back into an instance through tfjs's class registry.
 */

/** A tfjs-layers initializer instance. */
export type Initializer = ReturnType<typeof initializers.zeros>;

/** Anything with tfjs's serializable shape: `getClassName()` and `getConfig()`. */
interface SerializableLike {
  getClassName(): string;
  getConfig(): serialization.ConfigDict;
}

/** `{ className, config }`, as written into layer configs. */
export interface SerializedSpec {
  readonly className: string;
  readonly config: serialization.ConfigDict;
}

function isSerializable(value: unknown): value is SerializableLike {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as SerializableLike).getClassName === 'function' &&
    typeof (value as SerializableLike).getConfig === 'function'
  );
}

function isSpec(value: unknown): value is SerializedSpec {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as SerializedSpec).className === 'string' &&
    typeof (value as SerializedSpec).config === 'object'
  );
}

function fromSpec<T>(spec: SerializedSpec, argument: string, fn: string): T {
  const entry = serialization.SerializationMap.getMap().classNameMap[spec.className];
  if (entry === undefined) {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.className`,
      expected: 'a class registered with tfjs serialization',
      given: spec.className,
    });
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, spec.config) as T;
}

/**
 * Resolves an initializer argument; `undefined` gives `fallback(seed)`. A name is looked up
 * in tfjs-layers' `initializers` namespace and called with `{ seed }`, so named random
 * initializers are reproducible too.
 */
export function resolveInitializer(
  value: unknown,
  fallback: (seed: Seed) => Initializer,
  seed: Seed,
  argument: string,
  fn: string,
): Initializer {
  if (value === undefined || value === null) return fallback(seed);
  if (isSerializable(value)) return value as unknown as Initializer;
  if (isSpec(value)) return fromSpec<Initializer>(value, argument, fn);
  const factory =
    typeof value === 'string' ? (initializers as Record<string, unknown>)[value] : undefined;
  if (typeof factory !== 'function') {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: "an initializer, its { className, config }, or a name such as 'glorotUniform'",
      given: value,
    });
  }
  return (factory as (args: { seed: Seed }) => Initializer)({ seed });
}

/** Resolves an optional regularizer argument (an instance or its `{ className, config }`). */
export function resolveRegularizer<T>(value: unknown, argument: string, fn: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (isSerializable(value)) return value as unknown as T;
  if (isSpec(value)) return fromSpec<T>(value, argument, fn);
  throw new InvalidArgumentError({
    fn,
    argument,
    expected: 'a regularizer (e.g. regularizers.l2()) or its { className, config }',
    given: value,
  });
}

/** `{ className, config }` of an initializer or regularizer, or null. */
export function serializeSpec(value: unknown): SerializedSpec | null {
  if (!isSerializable(value)) return null;
  return { className: value.getClassName(), config: value.getConfig() };
}
