import { reshape, type Tensor, tile } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ShapeError } from '@uqjs/core';
import { checkLayersModel, checkRows, mapBatches } from './batch-ensemble-predict.js';

/**
 * Checks the model and the input `x` `[N, ...shape]` of a MIMO prediction of `members`
 * members (internal): a tfjs-layers model, `x` of rank >= 2 with `N >= 1`, and, where the
 * model declares its input shape, `[N, members, ...shape]` fitting it (so a wrong `members`
 * is named here, not met as a raw tfjs shape error in the forward pass).
 */
export function checkMimoInput(model: LayersModel, x: Tensor, members: number, fn: string): void {
  checkLayersModel(model, fn);
  checkRows(x, fn, 2, 'a tensor [N, ...shape] of rank >= 2 with N >= 1');
  const inputShape = model.inputs?.[0]?.shape;
  if (inputShape === undefined) return;
  const expected = [null, members, ...x.shape.slice(1)];
  const ok =
    inputShape.length === expected.length &&
    inputShape.every((size, i) => size === null || size === expected[i]);
  if (!ok) {
    throw new ShapeError({
      fn,
      argument: 'x',
      expected: `[N, ...shape] with [N, ${members}, ...shape] fitting the model's input [${inputShape.map(String).join(', ')}]`,
      given: x.shape,
    });
  }
}

/**
 * Runs `run` on each batch of `batchSize` rows of `x` `[N, ...shape]` tiled to every member,
 * `[b, M, ...shape]`, and returns the results in row order (internal; call inside `tidy`).
 */
export function mapTiledBatches(
  x: Tensor,
  members: number,
  batchSize: number,
  run: (tiled: Tensor) => Tensor,
): Tensor[] {
  // [b, ...shape] -> [b, 1, D] -> [b, M, D] -> [b, M, ...shape]: every member sees the same row.
  // The tile runs on rank 3 whatever the rank of an example: tfjs-webgpu tiles rank >= 5
  // tensors (images [b, 1, H, W, C]) on the CPU with a synchronous read, which fails there.
  return mapBatches(x, batchSize, (xb) => {
    const [rows, ...shape] = xb.shape as [number, ...number[]];
    const size = shape.reduce((a, b) => a * b, 1);
    const tiled = tile(reshape(xb, [rows, 1, size]), [1, members, 1]);
    return run(reshape(tiled, [rows, members, ...shape]));
  });
}
