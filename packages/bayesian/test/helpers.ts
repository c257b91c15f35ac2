import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';

/** The values of `t` as a flat `number[]`, read asynchronously (as webgpu requires). */
export async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** The values of the tensor `f()` builds (inside `tf.tidy`), read asynchronously, then freed. */
export async function readOf(f: () => tf.Tensor): Promise<number[]> {
  const t = tf.tidy(f);
  const values = await read(t);
  t.dispose();
  return values;
}

/** `model` saved to memory and loaded back. */
export async function roundTrip(model: LayersModel): Promise<LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return loadLayersModel(tf.io.fromMemory(saved!));
}

/** softplus(r) = log(1 + e^r), in float64. */
export const softplus = (r: number): number => Math.log1p(Math.exp(r));

/** The closed-form KL of N(m, s^2) from N(0, p^2), in float64. */
export const klTerm = (m: number, s: number, p: number): number =>
  Math.log(p / s) + (s * s + m * m) / (2 * p * p) - 0.5;
