import { checkClasswiseSize, type ResolvedBinning } from './binning-options.js';
import { BinAccumulator, type BinTotals, eceOfTotals, mceOfTotals } from './bins.js';
import type { Matrix } from './inputs.js';
import { addClasswise, addTopLabel } from './top-label.js';

/**
 * The binned state behind `ece`, `mce`, `reliabilityDiagram` and `Calibration`: a top-label
 * accumulator (always: the diagram and accuracy use it), and one accumulator per class for
 * classwise scope. Internal.
 */
export class CalibrationBins {
  private readonly topLabel: BinAccumulator;
  private readonly classwise: BinAccumulator[] | null;

  /** Throws (naming `fn`) when classwise scope would exceed its size limit. */
  constructor(options: ResolvedBinning, numClasses: number, fn: string) {
    checkClasswiseSize(options, numClasses, fn);
    const { bins, binning, scope } = options;
    this.topLabel = new BinAccumulator(bins, binning);
    this.classwise =
      scope === 'classwise'
        ? Array.from({ length: numClasses }, () => new BinAccumulator(bins, binning))
        : null;
  }

  /** Adds a chunk of rows; returns the number of right top-1 predictions in it. */
  add(m: Matrix, labels: ArrayLike<number>): number {
    if (this.classwise !== null) addClasswise(m, labels, this.classwise);
    return addTopLabel(m, labels, this.topLabel);
  }

  /** The top-label per-bin sums (for the reliability diagram). */
  topLabelTotals(): BinTotals {
    return this.topLabel.totals();
  }

  /** ECE and MCE in the configured scope. */
  errors(): { ece: number; mce: number } {
    if (this.classwise === null) {
      const totals = this.topLabelTotals();
      return { ece: eceOfTotals(totals), mce: mceOfTotals(totals) };
    }
    let ece = 0;
    let mce = 0;
    for (const acc of this.classwise) {
      const totals = acc.totals();
      ece += eceOfTotals(totals);
      mce = Math.max(mce, mceOfTotals(totals));
    }
    return { ece: ece / this.classwise.length, mce };
  }
}
