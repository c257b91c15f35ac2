import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  BetaCalibration,
  HistogramBinning,
  IsotonicCalibration,
  PlattScaling,
} from '../src/index.js';

/**
 * The calibrators of one map per class share their storing and applying scaffolding
 * (`OneVsRestCalibrator`). These strings are `JSON.stringify` of fits made by the code before
 * that scaffolding was shared (the package as of commit ff5174d, from the data below): the
 * same data must still give the same bytes (numbers and key order), and the stored strings
 * must still load and apply exactly like a fresh fit.
 */
const probs = [
  [0.7, 0.2, 0.1],
  [0.1, 0.8, 0.1],
  [0.3, 0.3, 0.4],
  [0.6, 0.3, 0.1],
  [0.2, 0.2, 0.6],
  [0.5, 0.4, 0.1],
];
const labels = [0, 1, 2, 1, 2, 0];
const binary = [0.2, 0.9, 0.6, 0.35, 0.8, 0.1];
const logits = [1.2, -0.5, 2, 0.3, -1, 0.8];
const binaryLabels = [0, 1, 1, 0, 1, 1];

const stored = {
  platt:
    '{"kind":"platt","numClasses":3,"input":"probs","maps":[{"a":2.3394215693027567,"b":-0.37023713297393024},{"a":2.000485047965703,"b":0.45260091596689805},{"a":26.227137739747487,"b":33.590311503703255}]}',
  plattLogits:
    '{"kind":"platt","numClasses":null,"input":"logits","maps":[{"a":-0.2364780450652677,"b":0.6887936539142803}]}',
  isotonic:
    '{"kind":"isotonic","numClasses":3,"input":"probs","maps":[{"x":[0.1,0.2,0.3,0.5,0.6,0.7],"y":[0,0,0,0.5,0.5,1]},{"x":[0.2,0.3,0.4,0.8],"y":[0,0.3333333333333333,0.3333333333333333,1]},{"x":[0.1,0.4,0.6],"y":[0,1,1]}]}',
  beta: '{"kind":"beta","numClasses":null,"maps":[{"a":0,"b":2.7426657405048425,"c":-1.0688860084862506}]}',
  histogram:
    '{"kind":"histogram-binning","numClasses":3,"maps":[{"edges":[0,0.3333333333333333,0.6666666666666666,1],"values":[0,0.5,1]},{"edges":[0,0.3333333333333333,0.6666666666666666,1],"values":[0.25,0,1]},{"edges":[0,0.3333333333333333,0.6666666666666666,1],"values":[0,1,0.8333333333333333]}]}',
};

/** `PlattScaling.fit(probs, labels).apply` of `probs` as a dense matrix, by the same old code. */
const plattApplied = [
  0.9031248081863299, 0.09687519177424388, 3.942617037291535e-11, 0.004170438919206599,
  0.9958295610431108, 3.7682460128647844e-11, 0.066270425751734, 0.170889522575894,
  0.7628400516723721, 0.7409296252024045, 0.259070374755506, 4.208942600345805e-11,
  0.023531116656386065, 0.08015409960305818, 0.8963147837405557, 0.49827231634784275,
  0.5017276836077627, 4.439450338579294e-11,
];

describe('stored forms are unchanged by the shared calibrator scaffolding', () => {
  it('fits store the same bytes as before', async () => {
    expect(JSON.stringify(await PlattScaling.fit(probs, labels))).toBe(stored.platt);
    const plattLogits = await PlattScaling.fit(logits, binaryLabels, {
      input: 'logits',
      targets: 'platt',
    });
    expect(JSON.stringify(plattLogits)).toBe(stored.plattLogits);
    expect(JSON.stringify(await IsotonicCalibration.fit(probs, labels))).toBe(stored.isotonic);
    expect(JSON.stringify(await BetaCalibration.fit(binary, binaryLabels))).toBe(stored.beta);
    const histogram = await HistogramBinning.fit(probs, labels, { bins: 3 });
    expect(JSON.stringify(histogram)).toBe(stored.histogram);
  });

  it('stored fits load, store the same bytes again and apply like fresh fits', async () => {
    const loaded = [
      PlattScaling.fromJSON(JSON.parse(stored.platt)),
      PlattScaling.fromJSON(JSON.parse(stored.plattLogits)),
      IsotonicCalibration.fromJSON(JSON.parse(stored.isotonic)),
      BetaCalibration.fromJSON(JSON.parse(stored.beta)),
      HistogramBinning.fromJSON(JSON.parse(stored.histogram)),
    ];
    expect(loaded.map((c) => JSON.stringify(c))).toEqual(Object.values(stored));
    const dense = { data: Float64Array.from(probs.flat()), numClasses: 3 };
    const applied = await loaded[0]!.apply(dense);
    expect(Array.from(applied.data)).toEqual(plattApplied);
    const fresh = await (await IsotonicCalibration.fit(probs, labels)).apply(probs);
    expect(await loaded[2]!.apply(probs)).toEqual(fresh);
    const freshBeta = await (await BetaCalibration.fit(binary, binaryLabels)).apply(binary);
    expect(await loaded[3]!.apply(binary)).toEqual(freshBeta);
  });

  it('apply reads the scores of the kind it was fitted on, naming its argument', async () => {
    const logitFit = PlattScaling.fromJSON(JSON.parse(stored.plattLogits));
    // Logits outside [0, 1] are fine for a fit on logits, not for one on probabilities.
    expect((await logitFit.apply([3, -2])).length).toBe(2);
    const beta = BetaCalibration.fromJSON(JSON.parse(stored.beta));
    await expect(beta.apply([3, -2])).rejects.toThrow(InvalidArgumentError);
    await expect(beta.apply([0.5, 3])).rejects.toThrow(
      /BetaCalibration\.apply: probs\[1\] must be a probability in \[0, 1\], got 3/,
    );
    const iso = IsotonicCalibration.fromJSON(JSON.parse(stored.isotonic));
    await expect(iso.apply([[0.5, 0.5, Number.NaN]])).rejects.toThrow(
      /IsotonicCalibration\.apply: scores/,
    );
  });
});
