import type { Tensor } from '@tensorflow/tfjs-core';
import type { layers as tfLayers } from '@tensorflow/tfjs-layers';
import { MCDropout } from './mc-dropout-layer.js';
import { dropoutPassSeeds } from './pass-seed.js';

type Layer = tfLayers.Layer;
type Kwargs = Parameters<Layer['call']>[1];
type Call = (inputs: Tensor | Tensor[], kwargs: Kwargs) => Tensor | Tensor[];

/** What a standard tfjs `Dropout` (or `SpatialDropout1D`) layer holds at run time. */
interface StandardDropout {
  rate: number;
  seed?: number;
  call: Call;
}

/**
 * A dropout layer of a model, with the means to seed it for one forward pass and, for a
 * standard `Dropout`, to switch it into training mode alone.
 */
export interface DropoutSite {
  readonly layer: Layer;
  /** Makes the next forward pass of this layer draw its mask from `seed`. */
  seed(seed: number): void;
  /** Puts the layer back exactly as it was. */
  restore(): void;
}

/** True for tfjs's `Dropout` and its subclasses (`SpatialDropout1D`), by class name. */
function isStandardDropout(layer: Layer): boolean {
  for (
    let c = layer.constructor as { className?: string } | null;
    c;
    c = Object.getPrototypeOf(c)
  ) {
    if (Object.hasOwn(c, 'className') && c.className === 'Dropout') return true;
  }
  return false;
}

/** The layers directly inside `layer`: a nested model's layers or a wrapper's inner layer. */
function innerLayers(layer: Layer): Layer[] {
  const holder = layer as unknown as { layers?: unknown; layer?: unknown };
  if (Array.isArray(holder.layers)) return holder.layers as Layer[];
  if (holder.layer !== undefined && holder.layer !== null) return [holder.layer as Layer];
  return [];
}

function mcSite(layer: MCDropout): DropoutSite {
  return {
    layer,
    seed: (seed) => dropoutPassSeeds.set(layer, seed),
    restore: () => dropoutPassSeeds.set(layer, undefined),
  };
}

/**
 * Wraps a standard dropout layer's `call` so that it runs with `training: true` whatever the
 * model passes, leaving every other layer (BatchNorm included) in inference mode, and makes
 * its mask seed settable per pass.
 */
function standardSite(layer: Layer): DropoutSite {
  const dropout = layer as unknown as StandardDropout;
  const ownCall = Object.hasOwn(dropout, 'call');
  const originalCall = dropout.call;
  const originalSeed = dropout.seed;
  dropout.call = (inputs, kwargs) =>
    originalCall.call(dropout, inputs, { ...kwargs, training: true });
  return {
    layer,
    seed: (seed) => {
      dropout.seed = seed;
    },
    restore: () => {
      if (ownCall) dropout.call = originalCall;
      else delete (dropout as Partial<StandardDropout>).call;
      dropout.seed = originalSeed;
    },
  };
}

/**
 * Finds every dropout layer in `model` (depth first, through nested models and wrappers) and
 * prepares it for seeded MC passes. Layers with `rate` 0 are skipped. Callers must call
 * `restore()` on every returned site, in a `finally`.
 */
export function dropoutSites(model: Layer): DropoutSite[] {
  const sites: DropoutSite[] = [];
  const seen = new Set<Layer>();
  const visit = (layer: Layer): void => {
    if (seen.has(layer)) return;
    seen.add(layer);
    if (layer instanceof MCDropout) {
      if (layer.rate > 0) sites.push(mcSite(layer));
    } else if (isStandardDropout(layer)) {
      if ((layer as unknown as StandardDropout).rate > 0) sites.push(standardSite(layer));
    } else {
      innerLayers(layer).forEach(visit);
    }
  };
  innerLayers(model).forEach(visit);
  return sites;
}
