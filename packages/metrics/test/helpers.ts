import { Rng } from '@uqjs/core';

/** Test data and independent reference implementations, written from the definitions. */

/** `n` rows of K probabilities from a seeded softmax of scaled normal logits. */
export function randomProbs(seed: number, n: number, k: number, scale = 2): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const z = Array.from({ length: k }, () => scale * rng.normal());
    return softmax(z);
  });
}

/** Labels drawn from each row's own probabilities (a calibrated predictor). */
export function sampleLabels(seed: number, probs: readonly number[][]): number[] {
  const rng = new Rng(seed);
  return probs.map((row) => {
    let u = rng.uniform();
    for (let k = 0; k < row.length; k++) {
      u -= row[k]!;
      if (u < 0) return k;
    }
    return row.length - 1;
  });
}

export function softmax(z: readonly number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** `-log softmax(z)[y]`, via log-sum-exp. */
export function crossEntropy(z: readonly number[], y: number): number {
  const max = Math.max(...z);
  return Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0)) + max - z[y]!;
}

export function meanCrossEntropy(logits: readonly number[][], labels: readonly number[]): number {
  return logits.reduce((a, z, i) => a + crossEntropy(z, labels[i]!), 0) / logits.length;
}

/**
 * ECE by the definition, by filtering: for each equal-width bin `(m/B, (m+1)/B]` (the first
 * also holding 0), the examples whose top-label confidence falls in it.
 */
export function naiveEce(
  probs: readonly number[][],
  labels: readonly number[],
  bins: number,
): number {
  const conf = probs.map((r) => Math.max(...r));
  const right = probs.map((r, i) => (r.indexOf(Math.max(...r)) === labels[i] ? 1 : 0));
  let ece = 0;
  for (let m = 0; m < bins; m++) {
    const lo = m / bins;
    const hi = (m + 1) / bins;
    const inBin = conf
      .map((_, i) => i)
      .filter((i) => (conf[i]! > lo || (m === 0 && conf[i]! >= lo)) && conf[i]! <= hi);
    if (inBin.length === 0) continue;
    const acc = inBin.reduce((a, i) => a + right[i]!, 0) / inBin.length;
    const avg = inBin.reduce((a, i) => a + conf[i]!, 0) / inBin.length;
    ece += (inBin.length / probs.length) * Math.abs(acc - avg);
  }
  return ece;
}

/** A minimal XML well-formedness check: every start tag is closed in order. */
export function tagsBalanced(xml: string): boolean {
  const stack: string[] = [];
  for (const match of xml.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing === '/') continue;
    if (closing === '/') {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}
