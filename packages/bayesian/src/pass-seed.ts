/**
 * The seed a Bayesian layer samples its weights with during one `bayesPredictive` pass. Kept
 * outside the layer so it is never serialized and never part of the public surface.
 */
const passSeeds = new WeakMap<object, number>();

/** Sets (a number) or clears (`undefined`) the seed `layer` uses in the current pass. */
export function setPassSeed(layer: object, seed: number | undefined): void {
  if (seed === undefined) passSeeds.delete(layer);
  else passSeeds.set(layer, seed);
}

/** The seed set for `layer`'s current pass, or `undefined` outside `bayesPredictive`. */
export function passSeedOf(layer: object): number | undefined {
  return passSeeds.get(layer);
}
