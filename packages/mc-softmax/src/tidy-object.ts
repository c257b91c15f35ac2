import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.tidy` for a function returning an object of tensors typed by an interface (such as
 * `McEngineResult`): interfaces lack the index signature `tf.TensorContainer` asks for.
 *
 * @example
 * ```ts
 * const { probs } = tidyObject(() => mcEngine(model, link, opts));
 * ```
 * @since 0.1.0
 */
export function tidyObject<T extends object>(f: () => T): T {
  return tf.tidy(() => f() as unknown as tf.TensorContainer) as unknown as T;
}
