/**
 * Seeds of the Monte Carlo pass in progress, one per stochastic layer: a predictive sets a
 * layer's seed before each pass and clears it after the last, and the layer's `call` reads it.
 * The seeds live outside the layers, so they are never serialized and never part of a layer's
 * config; a store held by one package is invisible to every other.
 *
 * @example
 * ```ts
 * const passSeeds = new PassSeeds();
 * passSeeds.set(layer, deriveSeed(seed, pass));  // before a pass
 * passSeeds.of(layer);                           // in layer.call: the seed, or undefined
 * passSeeds.set(layer, undefined);               // after the last pass
 * ```
 * @since 0.1.0
 */
export class PassSeeds {
  private readonly seeds = new WeakMap<object, number>();

  /** Sets (a number) or clears (`undefined`) the seed `layer` uses in the current pass. */
  set(layer: object, seed: number | undefined): void {
    if (seed === undefined) this.seeds.delete(layer);
    else this.seeds.set(layer, seed);
  }

  /** The seed set for `layer`'s current pass, or `undefined` outside a pass. */
  of(layer: object): number | undefined {
    return this.seeds.get(layer);
  }
}
